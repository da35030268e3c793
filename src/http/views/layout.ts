/**
 * The page frame shared by every browser page (sign-in, consent, sign-out, errors): product name,
 * viewport meta for phones, and one inline stylesheet allowed by the page's CSP nonce
 * (src/http/middleware/security-headers.ts). No scripts, no external resources.
 */
import { html } from './html.ts';
import type { SafeHtml } from './html.ts';

/** The product name shown on every page. */
export const PRODUCT_NAME = 'ccauth';

const STYLES = `
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;min-height:100vh;display:flex;align-items:flex-start;justify-content:center;padding:8vh 16px 24px;
  font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1f2933;background:#eef1f5}
main{width:100%;max-width:400px;background:#fff;border-radius:12px;box-shadow:0 1px 3px rgba(0,0,0,.12),0 8px 24px rgba(0,0,0,.06);padding:28px 24px}
.brand{margin:0 0 4px;font-size:14px;font-weight:700;letter-spacing:.08em;text-transform:uppercase;color:#3b5bdb}
h1{margin:0 0 20px;font-size:22px;line-height:1.3;font-weight:600}
p{margin:0 0 16px}
label{display:block;margin:0 0 4px;font-weight:600;font-size:14px}
input[type=text],input[type=password]{display:block;width:100%;margin:0 0 16px;padding:10px 12px;font:inherit;color:inherit;
  border:1px solid #aab4c0;border-radius:8px;background:#fff}
input:focus,button:focus,a:focus{outline:3px solid #a5b4fc;outline-offset:1px}
.hint{margin:-12px 0 16px;font-size:13px;color:#52606d}
button{display:block;width:100%;padding:11px 12px;font:inherit;font-weight:600;border-radius:8px;border:1px solid transparent;cursor:pointer}
.primary{background:#3b5bdb;color:#fff}
.primary:hover{background:#364fc7}
.secondary{margin-top:10px;background:#fff;color:#3b5bdb;border-color:#aab4c0}
.secondary:hover{background:#f1f3f9}
.actions{margin-top:8px}
a.link{display:block;margin-top:14px;text-align:center;color:#3b5bdb}
.error{margin:0 0 16px;padding:10px 12px;border-radius:8px;background:#fff1f0;border:1px solid #f5a3a3;color:#8a1c1c}
ul.scopes{margin:0 0 20px;padding-left:20px}
ul.scopes li{margin:0 0 6px}
.muted{color:#52606d;font-size:14px}
`;

/** What a page needs: its title (also the `<h1>`), the CSP nonce and the body markup. */
export interface PageParts {
  title: string;
  /** The nonce of this response's Content-Security-Policy `style-src`. */
  nonce: string;
  body: SafeHtml;
  /** Extra trusted markup for `<head>` (e.g. a meta refresh); none by default. */
  head?: SafeHtml;
}

/** Renders a complete HTML document. */
export function renderPage(p: PageParts): string {
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${p.title} · ${PRODUCT_NAME}</title>
<style nonce="${p.nonce}">${{ __html: STYLES }}</style>
${p.head ?? ''}</head>
<body>
<main>
<p class="brand">${PRODUCT_NAME}</p>
<h1>${p.title}</h1>
${p.body}
</main>
</body>
</html>
`.__html;
}
