import v8 from 'node:v8';
const p = await import('/work/wt-mem/dist-nc/proto/index.js');
v8.writeHeapSnapshot('/tmp/memwork/pre.heapsnapshot');
p.schemaRoot();
globalThis.gc(); 
v8.writeHeapSnapshot('/tmp/memwork/post.heapsnapshot');
