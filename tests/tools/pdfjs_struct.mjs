// A second, independent reader of a PDF's structure tree: pdf.js.
//
//   node pdfjs_struct.mjs FILE.pdf OUT.json
//
// Writes, for each page, pdf.js's page.getStructTree() (the structure
// elements with content on that page, with their marked-content and
// object-reference leaves) and the page's text with its marked-content
// boundaries (getTextContent({includeMarkedContent: true})). Needs the npm
// package pdfjs-dist 4.10.38 (4.x runs on Node 20 without the optional
// canvas packages); tests/e2e/ua_check_test.py installs it into its work
// directory and compares the trees with tests/tools/ua_check.py's reading.
import { readFileSync, writeFileSync } from "node:fs";
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";

const [input, output] = process.argv.slice(2);
const data = new Uint8Array(readFileSync(input));
const doc = await getDocument({ data, isEvalSupported: false, verbosity: 0 }).promise;
const pages = [];
for (let i = 1; i <= doc.numPages; i++) {
  const page = await doc.getPage(i);
  const tree = await page.getStructTree();
  const text = await page.getTextContent({ includeMarkedContent: true });
  pages.push({ page: i, ref: page.ref, tree, content: text.items });
}
writeFileSync(output, JSON.stringify(pages));
