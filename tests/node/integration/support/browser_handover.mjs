#!/usr/bin/env node
// Stands in for the user's web browser when a client "opens" a sign-in URL: it hands the URL (its
// last argument, as `mcpgate --browser CMD`, xdg-open's $BROWSER and most openers pass it) to the
// test that started the client, which then drives headless Chromium there, or answers as the
// hostile authorization server's victim would. The test's URL_HANDOVER variable names a loopback
// URL that takes a POST of the sign-in URL as text.
const url = process.argv[process.argv.length - 1];
const sink = process.env.URL_HANDOVER;
if (!sink) {
  console.error('browser_handover: URL_HANDOVER is not set');
  process.exit(2);
}
try {
  const res = await fetch(sink, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: url });
  process.exit(res.ok ? 0 : 1);
} catch (e) {
  console.error(`browser_handover: ${e.message}`);
  process.exit(1);
}
