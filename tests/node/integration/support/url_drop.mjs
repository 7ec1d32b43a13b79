#!/usr/bin/env node
// A "browser" for the mcpgate client's --browser option in tests that drive the real one
// themselves: appends the URL it is given (the last argument) as a line to FILE, where the test
// picks it up and opens it in headless Chromium.
// Usage: url_drop.mjs FILE URL
import { appendFileSync } from 'node:fs';

const [file, url] = process.argv.slice(2);
appendFileSync(file, `${url}\n`);
