import koffi from 'koffi';

/** The C library functions Ward calls directly. Loaded once, on first use. */
export interface Libc {
  prctl(option: number, a2: number, a3: number, a4: number, a5: number): number;
  prctlGetInt(option: number, out: number[], a3: number, a4: number, a5: number): number;
  waitpid(pid: number, status: number[], options: number): number;
  mount(
    source: string | null,
    target: string,
    fstype: string | null,
    flags: number,
    data: string | null,
  ): number;
  umount2(target: string, flags: number): number;
  pipe2(fds: number[], flags: number): number;
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, addr: Buffer, len: number): number;
  listen(fd: number, backlog: number): number;
  accept4(fd: number, addr: null, len: null, flags: number): number;
  recvmsg(fd: number, msg: unknown, flags: number): number;
  ioctlWinsize(
    fd: number,
    request: number,
    ws: { ws_row: number; ws_col: number; ws_xpixel: number; ws_ypixel: number },
  ): number;
  close(fd: number): number;
  fcntl(fd: number, cmd: number, arg: number): number;
}

let cached: Libc | undefined;

/** The `struct iovec` layout. */
export const IOVEC = koffi.struct('ward_iovec', { iov_base: 'void *', iov_len: 'size_t' });

/** The `struct msghdr` layout (x86_64 and aarch64 agree). */
export const MSGHDR = koffi.struct('ward_msghdr', {
  msg_name: 'void *',
  msg_namelen: 'uint32_t',
  msg_iov: koffi.pointer(IOVEC),
  msg_iovlen: 'size_t',
  msg_control: 'void *',
  msg_controllen: 'size_t',
  msg_flags: 'int',
});

const WINSIZE = koffi.struct('ward_winsize', {
  ws_row: 'uint16_t',
  ws_col: 'uint16_t',
  ws_xpixel: 'uint16_t',
  ws_ypixel: 'uint16_t',
});

/** Loads libc and declares the prototypes. Throws on non-Linux hosts. */
export function libc(): Libc {
  if (cached) return cached;
  const lib = koffi.load('libc.so.6');
  cached = {
    prctl: lib.func('int prctl(int, unsigned long, unsigned long, unsigned long, unsigned long)'),
    prctlGetInt: lib.func('prctl', 'int', [
      'int',
      koffi.out(koffi.pointer('int')),
      'unsigned long',
      'unsigned long',
      'unsigned long',
    ]),
    waitpid: lib.func('int waitpid(int, _Out_ int *, int)'),
    mount: lib.func('int mount(const char *, const char *, const char *, unsigned long, const char *)'),
    umount2: lib.func('int umount2(const char *, int)'),
    pipe2: lib.func('int pipe2(_Out_ int *fds, int)'),
    socket: lib.func('int socket(int, int, int)'),
    bind: lib.func('int bind(int, const void *, uint32_t)'),
    listen: lib.func('int listen(int, int)'),
    accept4: lib.func('int accept4(int, void *, void *, int)'),
    recvmsg: lib.func('long recvmsg(int, _Inout_ ward_msghdr *, int)'),
    ioctlWinsize: lib.func('ioctl', 'int', ['int', 'unsigned long', koffi.pointer(WINSIZE)]),
    close: lib.func('int close(int)'),
    fcntl: lib.func('int fcntl(int, int, int)'),
  } as Libc;
  return cached;
}

/** The calling thread's errno after a failed call. */
export function lastErrno(): number {
  return koffi.errno();
}
