#!/usr/bin/env node
// A "browser" for the mcpgate client's --browser option in tests: opens the authorization URL,
// signs in at the embedded authorization server's pages with plain HTTP requests (its own cookie
// jar), approves (or denies), and follows the redirect back to the client's loopback listener.
// Usage: form_browser.mjs USER PASSWORD [approve|deny] URL   (the client appends URL last)
import { Agent } from '../authserver_helpers.mjs';

const args = process.argv.slice(2);
const url = args.pop();
const [username, password, decision = 'approve'] = args;
const agent = new Agent();
try {
  const back = await agent.authorize(url, { username, password, decision });
  await fetch(back);
} catch (e) {
  console.error(`form_browser: ${e.message}`);
  process.exit(1);
}
