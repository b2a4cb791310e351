// The chart library, from the uPlot WebJar served by this server (pom.xml: uplot.version). Its ES module
// build sets styles through the CSSOM only, so it runs under the workspace's Content-Security-Policy.
export { default as uPlot } from '/webjars/uplot/1.6.30/dist/uPlot.esm.js';
