# Test cases for xml.yml (semgrep test annotations). Deliberately insecure.
import xml.dom.minidom
import xml.etree.ElementTree as ET
import xml.sax

import defusedxml.ElementTree
import defusedxml.minidom
import defusedxml.sax
from lxml import etree


def parse_all(text, path, handler):
    # ruleid: secscan.python.xml-etree-parse
    root = ET.fromstring(text)
    # ruleid: secscan.python.xml-etree-parse
    tree = ET.parse(path)
    # ok: secscan.python.xml-etree-parse
    safe = defusedxml.ElementTree.fromstring(text)
    # ok: secscan.python.xml-etree-parse
    elem = ET.Element("item")
    # ruleid: secscan.python.xml-minidom-parse
    doc = xml.dom.minidom.parseString(text)
    # ok: secscan.python.xml-minidom-parse
    safe_doc = defusedxml.minidom.parseString(text)
    # ruleid: secscan.python.xml-sax-parse
    xml.sax.parseString(text, handler)
    # ok: secscan.python.xml-sax-parse
    defusedxml.sax.parseString(text, handler)
    # ruleid: secscan.python.lxml-resolve-entities
    parser = etree.XMLParser()
    # ruleid: secscan.python.lxml-resolve-entities
    parser = etree.XMLParser(resolve_entities=True)
    # ok: secscan.python.lxml-resolve-entities
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return root, tree, safe, elem, doc, safe_doc, parser
