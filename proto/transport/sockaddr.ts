import { endianness } from 'node:os';
import { TransportError, TransportErrorCode } from './errors.js';

/** Linux socket constants used through the FFI. */
export const AF_UNIX = 1;
/** AF_VSOCK address family (linux/socket.h). */
export const AF_VSOCK = 40;
/** Stream sockets. */
export const SOCK_STREAM = 1;
/** Close-on-exec, so sockets do not leak into runc or the VMM. */
export const SOCK_CLOEXEC = 0o2000000;
/** getsockopt level and option for the peer's credentials. */
export const SOL_SOCKET = 1;
/** SO_PEERCRED: `struct ucred { pid_t pid; uid_t uid; gid_t gid; }`. */
export const SO_PEERCRED = 17;

/** sizeof(struct sockaddr_vm). */
export const SOCKADDR_VM_SIZE = 16;
/** sizeof(struct sockaddr_un). */
export const SOCKADDR_UN_SIZE = 110;

const LE = endianness() === 'LE';

function u16(buf: Buffer, off: number, v: number): void {
  if (LE) buf.writeUInt16LE(v, off);
  else buf.writeUInt16BE(v, off);
}

function u32(buf: Buffer, off: number, v: number): void {
  if (LE) buf.writeUInt32LE(v, off);
  else buf.writeUInt32BE(v, off);
}

/**
 * Encodes `struct sockaddr_vm` (linux/vm_sockets.h), all fields in host byte order:
 *   sa_family_t svm_family (u16) = AF_VSOCK; unsigned short svm_reserved1 = 0;
 *   unsigned int svm_port; unsigned int svm_cid; u8 svm_flags = 0; u8 svm_zero[3] = 0.
 */
export function encodeSockaddrVm(cid: number, port: number): Buffer {
  const buf = Buffer.alloc(SOCKADDR_VM_SIZE);
  u16(buf, 0, AF_VSOCK);
  u16(buf, 2, 0);
  u32(buf, 4, port >>> 0);
  u32(buf, 8, cid >>> 0);
  return buf;
}

/** Decodes a `struct sockaddr_vm`; throws if the family is not AF_VSOCK. */
export function decodeSockaddrVm(buf: Buffer): { cid: number; port: number } {
  const family = LE ? buf.readUInt16LE(0) : buf.readUInt16BE(0);
  if (buf.length < SOCKADDR_VM_SIZE || family !== AF_VSOCK) {
    throw new TransportError(TransportErrorCode.ADDRESS, 'not a sockaddr_vm');
  }
  return LE
    ? { port: buf.readUInt32LE(4), cid: buf.readUInt32LE(8) }
    : { port: buf.readUInt32BE(4), cid: buf.readUInt32BE(8) };
}

/**
 * Encodes `struct sockaddr_un` and the length to pass to bind/connect. Abstract names start with a
 * NUL byte and their length counts only the bytes used (no terminator), as Linux requires.
 */
export function encodeSockaddrUn(path: string, abstract: boolean): { addr: Buffer; length: number } {
  const name = Buffer.from(path);
  const used = (abstract ? 1 : 0) + name.length;
  if (used > SOCKADDR_UN_SIZE - 3) {
    throw new TransportError(TransportErrorCode.ADDRESS, `unix socket path too long: ${path}`);
  }
  const addr = Buffer.alloc(SOCKADDR_UN_SIZE);
  u16(addr, 0, AF_UNIX);
  name.copy(addr, 2 + (abstract ? 1 : 0));
  return { addr, length: 2 + used + (abstract ? 0 : 1) };
}
