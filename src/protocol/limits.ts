// Hard limits shared by both ends. Every length field on the wire is checked
// against one of these before any memory is allocated for it.

/**
 * The protocol version this code speaks. Version 2 changed only token
 * authentication: the client proves first, the server only after a correct
 * proof (docs/protocol.md), so one HELLO no longer yields a verifier.
 */
export const PROTOCOL_VERSION = 2;
/**
 * Versions a server WITHOUT a token also answers: 1 and 2 differ only in token
 * authentication, so a version-1 client can still use an open server. A token
 * server answers only PROTOCOL_VERSION (version 1 would hand out its proof).
 */
export const TOKENLESS_VERSIONS: readonly number[] = [PROTOCOL_VERSION, 1];

/** Bytes before the header: u32 length, u8 kind, u32 request id, u16 header length. */
export const FRAME_PREFIX_BYTES = 11;
/** Largest JSON header; listings are sent in batches so they never need more. */
export const MAX_HEADER_BYTES = 64 * 1024;
/** Largest payload of one DATA frame. */
export const MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;
/** Largest whole frame (everything after the u32 length field). */
export const MAX_FRAME_BYTES = FRAME_PREFIX_BYTES - 4 + MAX_HEADER_BYTES + MAX_PAYLOAD_BYTES;

/** Size of the DATA payloads the server sends when streaming a file. */
export const STREAM_CHUNK_BYTES = 1024 * 1024;
/** Requests one connection may have open at once. */
export const MAX_IN_FLIGHT = 64;
/** Entries per ITEM frame in a listing. */
export const LIST_BATCH = 512;
/** Longest path (in bytes) the server accepts, and longest single name. */
export const MAX_PATH_BYTES = 4096;
export const MAX_NAME_BYTES = 255;
/** Longest keyword for content search. */
export const MAX_KEYWORD_BYTES = 1024;
/**
 * Largest frame before the handshake is complete. HELLO and AUTH are a small
 * JSON header with no payload, so a peer that has proved nothing may not make
 * the server buffer more than one header's worth.
 */
export const MAX_HANDSHAKE_FRAME_BYTES = FRAME_PREFIX_BYTES - 4 + MAX_HEADER_BYTES;
