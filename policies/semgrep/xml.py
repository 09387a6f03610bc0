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


def lxml_parsing(text, path):
    # ruleid: secscan.python.lxml-default-parser
    a = etree.fromstring(text)
    # ruleid: secscan.python.lxml-default-parser
    b = etree.parse(path)
    hardened = etree.XMLParser(resolve_entities=False, no_network=True)
    # ok: secscan.python.lxml-default-parser
    c = etree.fromstring(text, hardened)
    # ok: secscan.python.lxml-default-parser
    d = etree.parse(path, parser=hardened)
    return a, b, c, d


def external_entities(handler):
    from xml.sax.handler import feature_external_ges

    # ruleid: secscan.python.xml-sax-parse
    parser = xml.sax.make_parser()
    # ruleid: secscan.python.xml-external-entities-enabled
    parser.setFeature(feature_external_ges, True)
    # ok: secscan.python.xml-external-entities-enabled
    parser.setFeature(feature_external_ges, False)
    # ruleid: secscan.python.xml-external-entities-enabled
    loose = etree.XMLParser(resolve_entities=False, no_network=False)
    parser.setContentHandler(handler)
    return parser, loose
