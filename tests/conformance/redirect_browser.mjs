// The "browser" of the conformance client scenarios: their mock authorization servers approve at
// once, so signing in is a GET of the authorization URL (the last argument) that follows the
// redirect to the client's loopback listener.
const url = process.argv.at(-1);
try {
  await fetch(url, { redirect: 'follow' });
} catch {
  // The client reports what went wrong (no callback reached it); nothing more to say here.
}
