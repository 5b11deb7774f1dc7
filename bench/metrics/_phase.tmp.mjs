const t0 = performance.now(); const c0 = process.cpuUsage()
const lap = (what) => { const c = process.cpuUsage(c0); console.log(what.padEnd(20), (performance.now()-t0).toFixed(0).padStart(5), "ms wall", ((c.user+c.system)/1000).toFixed(0).padStart(5), "ms cpu", "since process start", (performance.now()).toFixed(0)) }
const m = await import("/work/main/src/metrics/index.ts"); lap("import metrics")
const w = await import("/work/main/src/metrics/wordnet.ts"); w.loadWordNet("3.0"); lap("wordnet")
await import("effect/Effect"); lap("effect/Effect")
await import("effect/Schema"); lap("effect/Schema")
