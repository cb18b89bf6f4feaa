// Progressive enhancement bootstrap for GOV.UK Frontend (vendored, see ../vendor/VERSIONS.md).
//
// Load with:  <script type="module" src="{static}/js/init.js"></script>
// It is an external ES module so pages need no inline script (CSP: script-src 'self').
// The import is relative to this file, so it works wherever /static is mounted.
// Browsers that do not support ES modules never run this: they get the plain,
// fully working HTML (GOV.UK Frontend's "no JS" experience).
import {
  Accordion,
  Button,
  CharacterCount,
  Checkboxes,
  ErrorSummary,
  ExitThisPage,
  FileUpload,
  initAll,
  NotificationBanner,
  PasswordInput,
  Radios,
  ServiceNavigation,
  SkipLink,
  Tabs,
} from "../vendor/govuk-frontend/govuk-frontend.min.js";

const COMPONENTS = [
  Accordion,
  Button,
  CharacterCount,
  Checkboxes,
  ErrorSummary,
  ExitThisPage,
  FileUpload,
  NotificationBanner,
  PasswordInput,
  Radios,
  ServiceNavigation,
  SkipLink,
  Tabs,
];

// GOV.UK Frontend styles its JS-enhanced states under these classes (normally set by
// an inline <script> in <body>; doing it here is equivalent for module-capable browsers,
// and idempotent if the page also has the inline snippet).
document.body.classList.add("js-enabled", "govuk-frontend-supported");

initAll();

// Enhance components inside content that htmx swaps in. `htmx:load` fires for every new
// element (and once for <body> at start-up). initAll/createAll only search *descendants*
// of a scope, so we also check the element itself, and skip roots that are already
// initialised (GOV.UK Frontend marks them with data-<module>-init).
function enhance(root) {
  if (!(root instanceof Element)) return;
  const roots = [root, ...root.querySelectorAll("[data-module]")];
  for (const el of roots) {
    const name = el.getAttribute("data-module");
    if (!name || el.hasAttribute(`data-${name}-init`)) continue;
    const Component = COMPONENTS.find((c) => c.moduleName === name);
    if (!Component) continue;
    try {
      new Component(el);
    } catch (error) {
      console.error(error);
    }
  }
}

document.addEventListener("htmx:load", (event) => enhance(event.detail?.elt));
