#!/usr/bin/env bash
# Vendor the front-end assets OpenNRM serves (no build step at runtime).
#
#   scripts/vendor-assets.sh            # fetch the pinned versions below and (re)write the files
#
# Fetches exact, pinned npm package versions with `npm pack` (tarball only: no
# node_modules, no install scripts), verifies each tarball against its pinned
# npm `dist.integrity` (sha512), and copies only the files we need:
#
#   src/opennrm/web/static/vendor/govuk-frontend/govuk-frontend.min.css   (modified, see below)
#   src/opennrm/web/static/vendor/govuk-frontend/govuk-frontend.min.js    (ES module bundle)
#   src/opennrm/web/static/vendor/govuk-frontend/LICENSE.txt
#   src/opennrm/web/static/vendor/htmx/htmx.min.js
#   src/opennrm/web/static/vendor/htmx/LICENSE
#   src/opennrm/web/static/vendor/cytoscape/cytoscape.min.js              (network view graph)
#   src/opennrm/web/static/vendor/cytoscape/LICENSE
#   src/opennrm/web/static/vendor/VERSIONS.md                             (generated)
#   tests/browser/vendor/axe.min.js                                       (test-only)
#   tests/browser/vendor/LICENSE-axe-core.txt, LICENSE-3RD-PARTY-axe-core.txt
#
# Modifications to govuk-frontend.min.css (done by the python step below, which
# fails loudly if upstream changes so that the result must be reviewed):
#   1. The two `@font-face { font-family: GDS Transport ... }` rules are removed and
#      "GDS Transport," is removed from every font-family stack. GDS Transport is
#      licensed for GOV.UK services only; we do not ship it, so text uses the
#      stack's fallback `arial, sans-serif` and the browser requests no font files.
#   2. Every rule referencing /assets/images/govuk-crest.svg (the Royal Coat of
#      Arms in the footer copyright logo) is removed: the GOV.UK brand must not be
#      used, and this also means the CSS references no image files.
#   3. The `sourceMappingURL` comment is removed (maps are not vendored).
#   After this, the CSS must contain no url(...) other than data: URIs and no
#   @import, so the stylesheet can cause no 404s.
# govuk-frontend.min.js: only the `sourceMappingURL` comment is removed.
# No images, fonts, favicons or crown/crest assets are copied.
#
# To update: change the *_VERSION and *_INTEGRITY pins (get the integrity with
# `npm view <pkg>@<version> dist.integrity`), rerun, review the diff of
# VERSIONS.md and the vendored files, then run `uv run pytest tests/browser -m browser`.
set -euo pipefail

GOVUK_VERSION=6.6.0
GOVUK_INTEGRITY=sha512-xctkWrQvLnvQt7fyjQ3MGX9S0wz0x0RQuLxCeoXF+s8EjGICG81/DYQGKN5qgO+0KVT12UAaRwUsGY6fulRcRg==
HTMX_VERSION=2.0.11
HTMX_INTEGRITY=sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA==
CYTOSCAPE_VERSION=3.35.0
CYTOSCAPE_INTEGRITY=sha512-sMvBIXiGMnhkCaWz2R06FwF/27MNlS+Tqvi17foO9UhnUg3XGZccKjxsvEqQFAQYMSSZmN5SxYzUYlQ0DOJJ3g==
AXE_VERSION=4.14.1
AXE_INTEGRITY=sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENDOR="$ROOT/src/opennrm/web/static/vendor"
TEST_VENDOR="$ROOT/tests/browser/vendor"
PYTHON="${PYTHON:-python3}"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# fetch <package> <version> <integrity>  -> unpacked into $WORK/<package>/package
fetch() {
    local pkg="$1" version="$2" integrity="$3" tarball
    tarball="$(cd "$WORK" && npm pack --silent "$pkg@$version" | tail -n 1)"
    "$PYTHON" - "$WORK/$tarball" "$integrity" <<'PY'
import base64, hashlib, sys
path, expected = sys.argv[1], sys.argv[2]
with open(path, "rb") as fh:
    actual = "sha512-" + base64.b64encode(hashlib.sha512(fh.read()).digest()).decode()
if actual != expected:
    sys.exit(f"integrity mismatch for {path}:\n  expected {expected}\n  actual   {actual}")
PY
    mkdir -p "$WORK/$pkg"
    tar -xzf "$WORK/$tarball" -C "$WORK/$pkg"
    echo "fetched $pkg@$version ($integrity)"
}

fetch govuk-frontend "$GOVUK_VERSION" "$GOVUK_INTEGRITY"
fetch htmx.org "$HTMX_VERSION" "$HTMX_INTEGRITY"
fetch cytoscape "$CYTOSCAPE_VERSION" "$CYTOSCAPE_INTEGRITY"
fetch axe-core "$AXE_VERSION" "$AXE_INTEGRITY"

GOVUK_SRC="$WORK/govuk-frontend/package"
HTMX_SRC="$WORK/htmx.org/package"
CYTOSCAPE_SRC="$WORK/cytoscape/package"
AXE_SRC="$WORK/axe-core/package"

# Start from a clean slate so removed upstream files do not linger.
rm -rf "$VENDOR/govuk-frontend" "$VENDOR/htmx" "$VENDOR/cytoscape"
rm -f "$TEST_VENDOR/axe.min.js" "$TEST_VENDOR/LICENSE-axe-core.txt" \
      "$TEST_VENDOR/LICENSE-3RD-PARTY-axe-core.txt"
mkdir -p "$VENDOR/govuk-frontend" "$VENDOR/htmx" "$VENDOR/cytoscape" "$TEST_VENDOR"

# --- govuk-frontend --------------------------------------------------------------
"$PYTHON" - "$GOVUK_SRC/dist/govuk" "$VENDOR/govuk-frontend" <<'PY'
"""Copy govuk-frontend's precompiled CSS/JS, stripping the GOV.UK-only font and brand."""
import re
import sys
from pathlib import Path

src, dst = Path(sys.argv[1]), Path(sys.argv[2])


def skip_string(css: str, i: int) -> int:
    quote, i = css[i], i + 1
    while css[i] != quote:
        i += 2 if css[i] == "\\" else 1
    return i + 1


def parse(css: str) -> list[tuple[str, str | None]]:
    """Split CSS into (prelude, body) items; body is None for `@x ...;` statements."""
    items: list[tuple[str, str | None]] = []
    i, n = 0, len(css)
    while i < n:
        j = i
        while j < n and css[j] not in "{;":
            if css[j] in "\"'":
                j = skip_string(css, j)
            elif css.startswith("/*", j):
                j = css.index("*/", j) + 2
            else:
                j += 1
        if j >= n:
            items.append((css[i:], None))  # trailing whitespace/comments
            break
        if css[j] == ";":
            items.append((css[i : j + 1], None))
            i = j + 1
            continue
        depth, k = 0, j
        while True:
            c = css[k]
            if c in "\"'":
                k = skip_string(css, k)
                continue
            if css.startswith("/*", k):
                k = css.index("*/", k) + 2
                continue
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    break
            k += 1
        items.append((css[i:j], css[j + 1 : k]))
        i = k + 1
    return items


def bare(prelude: str) -> str:
    return re.sub(r"/\*.*?\*/", "", prelude, flags=re.S).strip().lower()


def is_group(prelude: str) -> bool:
    p = bare(prelude)
    return p.startswith("@") and not p.startswith(("@font-face", "@page", "@property"))


def serialise(items: list[tuple[str, str | None]]) -> str:
    return "".join(p if b is None else f"{p}{{{b}}}" for p, b in items)


def keep(prelude: str, body: str) -> bool:
    if bare(prelude) == "@font-face" and "GDS Transport" in body:
        return False  # GDS Transport is licensed for GOV.UK only
    return "govuk-crest" not in body  # GOV.UK brand (Royal Coat of Arms)


def filter_items(items):
    out = []
    for prelude, body in items:
        if body is None:
            out.append((prelude, body))
        elif is_group(prelude) and "{" in body:
            inner = filter_items(parse(body))
            if inner:
                out.append((prelude, serialise(inner)))
        elif keep(prelude, body):
            out.append((prelude, body))
    return out


css = (src / "govuk-frontend.min.css").read_text(encoding="utf-8")
css = re.sub(r"\s*/\*# sourceMappingURL=[^*]*\*/\s*$", "", css) + "\n"
items = parse(css)
assert serialise(items) == css, "CSS parser round-trip failed; review the script"
css = serialise(filter_items(items))
css = re.sub(r"font-family:\s*[\"']?GDS Transport[\"']?\s*,\s*", "font-family:", css)

problems = []
if "GDS Transport" in css:
    problems.append("'GDS Transport' still referenced")
if "govuk-crest" in css:
    problems.append("govuk-crest still referenced")
urls = [u for u in re.findall(r"url\(\s*([^)]*)\)", css) if not u.strip("'\" ").startswith("data:")]
if urls:
    problems.append(f"unexpected url() references: {sorted(set(urls))}")
if "@import" in css:
    problems.append("unexpected @import")
if problems:
    sys.exit("govuk-frontend CSS needs review: " + "; ".join(problems))
(dst / "govuk-frontend.min.css").write_text(css, encoding="utf-8")

js = (src / "govuk-frontend.min.js").read_text(encoding="utf-8")
js = re.sub(r"\n?//# sourceMappingURL=\S+\s*$", "\n", js)
if "/assets/" in js:
    sys.exit("govuk-frontend JS references /assets/: review before vendoring")
(dst / "govuk-frontend.min.js").write_text(js, encoding="utf-8")
PY

# The npm tarball has no licence file (package.json says "MIT"); this is the text of
# LICENSE.txt in https://github.com/alphagov/govuk-frontend.
cat > "$VENDOR/govuk-frontend/LICENSE.txt" <<'EOF'
The MIT License (MIT)

Copyright (C) 2017 Crown Copyright (Government Digital Service)

Permission is hereby granted, free of charge, to any person obtaining a copy of
this software and associated documentation files (the "Software"), to deal in
the Software without restriction, including without limitation the rights to
use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies
of the Software, and to permit persons to whom the Software is furnished to do
so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
EOF

# --- htmx ------------------------------------------------------------------------
cp "$HTMX_SRC/dist/htmx.min.js" "$VENDOR/htmx/htmx.min.js"
cp "$HTMX_SRC/LICENSE" "$VENDOR/htmx/LICENSE"

# --- cytoscape (the network view's graph; a UMD bundle, no build step) -------------
# Served as is. Its renderer would add a <style> element to <head>, which the
# Content-Security-Policy (style-src 'self') refuses; the network page holds an element
# with the id it looks for (`__________cytoscape_stylesheet`), so it adds none, and
# static/js/network.js sets the container's position through the CSSOM instead.
cp "$CYTOSCAPE_SRC/dist/cytoscape.min.js" "$VENDOR/cytoscape/cytoscape.min.js"
cp "$CYTOSCAPE_SRC/LICENSE" "$VENDOR/cytoscape/LICENSE"

# --- axe-core (tests only; never served by the app) ------------------------------
cp "$AXE_SRC/axe.min.js" "$TEST_VENDOR/axe.min.js"
cp "$AXE_SRC/LICENSE" "$TEST_VENDOR/LICENSE-axe-core.txt"
cp "$AXE_SRC/LICENSE-3RD-PARTY.txt" "$TEST_VENDOR/LICENSE-3RD-PARTY-axe-core.txt"

# --- sanity checks ---------------------------------------------------------------
grep -q "version:\"$HTMX_VERSION\"" "$VENDOR/htmx/htmx.min.js" \
    || { echo "htmx.min.js does not report version $HTMX_VERSION" >&2; exit 1; }
grep -q "const version=\"$GOVUK_VERSION\"" "$VENDOR/govuk-frontend/govuk-frontend.min.js" \
    || { echo "govuk-frontend.min.js does not report version $GOVUK_VERSION" >&2; exit 1; }
grep -q "version=\"$CYTOSCAPE_VERSION\"" "$VENDOR/cytoscape/cytoscape.min.js" \
    || { echo "cytoscape.min.js does not report version $CYTOSCAPE_VERSION" >&2; exit 1; }
head -c 200 "$TEST_VENDOR/axe.min.js" | grep -q "axe v$AXE_VERSION" \
    || { echo "axe.min.js does not report version $AXE_VERSION" >&2; exit 1; }

# --- VERSIONS.md -----------------------------------------------------------------
"$PYTHON" - "$ROOT" "$VENDOR/VERSIONS.md" \
    "govuk-frontend|$GOVUK_VERSION|$GOVUK_INTEGRITY|MIT" \
    "htmx.org|$HTMX_VERSION|$HTMX_INTEGRITY|0BSD" \
    "cytoscape|$CYTOSCAPE_VERSION|$CYTOSCAPE_INTEGRITY|MIT" \
    "axe-core|$AXE_VERSION|$AXE_INTEGRITY|MPL-2.0" <<'PY'
import hashlib
import sys
from pathlib import Path

root, out = Path(sys.argv[1]), Path(sys.argv[2])
pkgs = [a.split("|") for a in sys.argv[3:]]
files = {
    "govuk-frontend": [
        "src/opennrm/web/static/vendor/govuk-frontend/govuk-frontend.min.css",
        "src/opennrm/web/static/vendor/govuk-frontend/govuk-frontend.min.js",
        "src/opennrm/web/static/vendor/govuk-frontend/LICENSE.txt",
    ],
    "htmx.org": [
        "src/opennrm/web/static/vendor/htmx/htmx.min.js",
        "src/opennrm/web/static/vendor/htmx/LICENSE",
    ],
    "cytoscape": [
        "src/opennrm/web/static/vendor/cytoscape/cytoscape.min.js",
        "src/opennrm/web/static/vendor/cytoscape/LICENSE",
    ],
    "axe-core": [
        "tests/browser/vendor/axe.min.js",
        "tests/browser/vendor/LICENSE-axe-core.txt",
        "tests/browser/vendor/LICENSE-3RD-PARTY-axe-core.txt",
    ],
}
notes = {
    "govuk-frontend": (
        "Source: `dist/govuk/` of the npm package. `govuk-frontend.min.css` is modified: "
        "the `@font-face` rules for \"GDS Transport\" (licensed for GOV.UK only) are removed "
        "and the name is dropped from font stacks, so text renders in `arial, sans-serif`; "
        "rules using `govuk-crest.svg` (GOV.UK brand) are removed; the sourcemap comment is "
        "removed. The CSS references no `url()` at all. `govuk-frontend.min.js` (ES module) "
        "only has its sourcemap comment removed. No fonts, images, favicons, crown or crest "
        "are vendored. LICENSE.txt is copied from the upstream repository (the npm tarball "
        "has none)."
    ),
    "htmx.org": "Source: `dist/htmx.min.js` and `LICENSE`, unmodified.",
    "cytoscape": (
        "Source: `dist/cytoscape.min.js` (UMD bundle) and `LICENSE`, unmodified. Used by "
        "the network view (`static/js/network.js`). The page pre-empts the `<style>` "
        "element the renderer would insert (refused by the Content-Security-Policy): see "
        "the script."
    ),
    "axe-core": (
        "Test-only (Playwright accessibility checks); never served by the app. "
        "Source: `axe.min.js`, `LICENSE`, `LICENSE-3RD-PARTY.txt`, unmodified. "
        "MPL-2.0: source is available from the npm package / github.com/dequelabs/axe-core."
    ),
}
lines = [
    "# Vendored front-end assets",
    "",
    "Generated by `scripts/vendor-assets.sh` — do not edit by hand; change the pins in",
    "the script and rerun it. Tarballs are fetched with `npm pack` and verified against",
    "the pinned npm `dist.integrity`.",
    "",
    "| Package | Version | Licence | npm integrity |",
    "|---|---|---|---|",
]
for name, version, integrity, licence in pkgs:
    lines.append(f"| `{name}` | {version} | {licence} | `{integrity}` |")
for name, version, _integrity, _licence in pkgs:
    lines += ["", f"## {name} {version}", "", notes[name], "", "| File | sha256 |", "|---|---|"]
    for rel in files[name]:
        digest = hashlib.sha256((root / rel).read_bytes()).hexdigest()
        lines.append(f"| `{rel}` | `{digest}` |")
out.write_text("\n".join(lines) + "\n", encoding="utf-8")
PY

echo "vendored into $VENDOR and $TEST_VENDOR"
