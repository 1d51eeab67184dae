const gc = globalThis.gc;
const used = () => { gc(); gc(); return process.memoryUsage().heapUsed; };
const keep = [];
let last = used();
for (const spec of process.argv.slice(2)) {
  keep.push(await import(spec.startsWith('/') ? spec : '/work/wt-mem/' + spec));
  const now = used(); console.log(spec, ((now - last) / 1024) | 0, 'KB'); last = now;
}
