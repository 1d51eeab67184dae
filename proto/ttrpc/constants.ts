/**
 * Wire constants of the ttrpc protocol (containerd/ttrpc PROTOCOL.md, protocol version 1.2).
 * Every limit Ward enforces on a ttrpc connection is named here.
 */

/** Size of the fixed frame header: length u32, stream id u32, type u8, flags u8, all big-endian. */
export const HEADER_LENGTH = 10;

/** Largest frame body (the `Data Length` field) accepted or sent: 4 MiB, as Go and Rust ttrpc. */
export const MAX_MESSAGE_LENGTH = 4 << 20;

/** Largest stream id; a client that would pass it must open a new connection. */
export const MAX_STREAM_ID = 0xffff_ffff;

/** Frame message types. */
export const MessageType = {
  /** Opens a stream and carries a `ttrpc.Request`. */
  Request: 0x01,
  /** Ends a stream and carries a `ttrpc.Response`. */
  Response: 0x02,
  /** Stream data on an open stream (raw payload, not wrapped in an envelope). */
  Data: 0x03,
} as const;

/** One of the frame message types Ward understands. */
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** Frame flags; their meaning depends on the message type. */
export const Flag = {
  /** The sender sends no more data on this stream (Request: non-unary, no more data; Data: last). */
  RemoteClosed: 0x01,
  /** Request only: non-unary, the sender is still sending data. */
  RemoteOpen: 0x02,
  /** Data only: the frame carries no message (an empty body is then not an empty message). */
  NoData: 0x04,
} as const;

/**
 * Received stream messages queued for a handler or a client stream before the connection stops
 * reading from its socket (back-pressure: ttrpc has no flow control of its own).
 */
export const STREAM_RECV_HIGH_WATER = 64;

/** Payloads up to this size are copied into the frame buffer; larger ones are written as their own chunk. */
export const INLINE_PAYLOAD_MAX = 16 * 1024;
