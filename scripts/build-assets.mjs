// Builds the front-end assets into static/dist/: the vendor files from node_modules (installed
// from package-lock.json) and our own CSS and JS from static/src. No CDN: every asset is ours.
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "static", "dist");
mkdirSync(dist, { recursive: true });

const vendor = {
  "htmx.min.js": "node_modules/htmx.org/dist/htmx.min.js",
};
for (const [name, source] of Object.entries(vendor)) {
  copyFileSync(join(root, source), join(dist, name));
}
for (const name of readdirSync(join(root, "static", "src"))) {
  copyFileSync(join(root, "static", "src", name), join(dist, name));
}
writeFileSync(join(dist, ".built"), new Date().toISOString() + "\n");
console.log(`assets built into ${dist}`);
