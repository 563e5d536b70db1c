// Validates AsyncAPI documents with the official parser (@asyncapi/parser): the JSON
// schema of the spec version plus its semantic rules (references, operation ids, address
// parameters...). Usage: node check.mjs <document.json>...
// Prints one JSON line: {"<path>": [{severity, code, message, path}, ...], ...}, where
// severity is "error", "warning", "info" or "hint"; exits 1 when any document has an error.
import { readFile } from "node:fs/promises";
import { Parser } from "@asyncapi/parser";

const SEVERITIES = ["error", "warning", "info", "hint"];
const parser = new Parser();
const report = {};
let failed = false;

for (const file of process.argv.slice(2)) {
  const { diagnostics } = await parser.parse(await readFile(file, "utf8"));
  report[file] = diagnostics.map((item) => ({
    severity: SEVERITIES[item.severity] ?? String(item.severity),
    code: String(item.code),
    message: item.message,
    path: item.path.join("/"),
  }));
  failed ||= diagnostics.some((item) => item.severity === 0);
}
process.stdout.write(`${JSON.stringify(report)}\n`);
process.exitCode = failed ? 1 : 0;
