// The listing filter rules (protocol/filter.ts) for the app and the CLI, which
// reach the protocol only through the client: the name filter as you type
// applies the same rule the server applies to a find.

export { caseSensitive, extMatcher, nameMatcher } from '../protocol/filter.js';
