import type { Server, Socket } from 'node:net';
import { ffiClose, ffiConnect, ffiListen, ffiSocket } from './ffi-socket.js';
import { AF_VSOCK, encodeSockaddrVm, SOCKADDR_VM_SIZE } from './sockaddr.js';

/** Connects to `vsock://cid:port` (AF_VSOCK through koffi, handed to libuv once connected). */
export function connectVsock(cid: number, port: number): Promise<Socket> {
  return ffiConnect(AF_VSOCK, encodeSockaddrVm(cid, port), SOCKADDR_VM_SIZE, `vsock://${cid}:${port}`);
}

/** Makes `server` accept on `vsock://cid:port` (cid VMADDR_CID_ANY to accept on every CID). */
export function listenVsock(server: Server, cid: number, port: number, backlog: number): Promise<void> {
  return ffiListen(
    server,
    AF_VSOCK,
    encodeSockaddrVm(cid, port),
    SOCKADDR_VM_SIZE,
    backlog,
    `vsock://${cid}:${port}`,
  );
}

/**
 * Creates an AF_VSOCK socket and closes it without binding or connecting: tells whether the kernel
 * offers vsock at all. Throws ERR_TRANSPORT_SYSCALL (e.g. EAFNOSUPPORT) when it does not.
 */
export function probeVsockSocket(): void {
  ffiClose(ffiSocket(AF_VSOCK, 'AF_VSOCK'));
}
