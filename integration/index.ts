export * from './containerd/index.js';
