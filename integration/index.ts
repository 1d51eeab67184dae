export * from './containerd/index.js';
export * from './cri/index.js';
export * from './go-peers/index.js';
export * from './policy-data/index.js';
export * from './rootfs/index.js';
export * from './runc-agent/index.js';
export * from './sys/index.js';
