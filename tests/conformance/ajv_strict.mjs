// Compiles every tool's input and output schema with ajv in its default strict mode (JSON
// Schema 2020-12, the dialect MCP's schemas default to), once as is and once with
// ajv-formats, as the MCP SDKs' own validators load it. Prints one JSON report on stdout:
// {"plain": [...], "with_formats": [...]}, each problem as {tool, schema, message}, strict
// mode's logged warnings included.
// Usage: node ajv_strict.mjs TOOLS_LIST_JSON NODE_TOOLS_DIR
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const [listPath, toolsDir] = process.argv.slice(2);
const require = createRequire(join(toolsDir, "package.json"));
const Ajv2020 = require("ajv/dist/2020").default;
const addFormats = require("ajv-formats");
const { tools } = JSON.parse(readFileSync(listPath, "utf8"));

function problems(withFormats) {
  const found = [];
  for (const tool of tools) {
    for (const schema of ["inputSchema", "outputSchema"]) {
      if (tool[schema] === undefined) continue;
      const note = (message) => found.push({ tool: tool.name, schema, message: String(message) });
      const ajv = new Ajv2020({ logger: { log() {}, warn: note, error: note } });
      if (withFormats) addFormats(ajv);
      try {
        ajv.compile(tool[schema]);
      } catch (error) {
        note(error.message);
      }
    }
  }
  return found;
}

console.log(JSON.stringify({ plain: problems(false), with_formats: problems(true) }));
