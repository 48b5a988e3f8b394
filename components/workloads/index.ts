// The seeds' other workloads, each a component of its own; targets/workloads.ts
// declares the ones a stack enables.
export { SharedLab } from "./lab";
export { PyTorchWorkspace } from "./pytorch";
export { RStudioServer } from "./rstudio";
export { StatefulApp } from "./stateful-app";
export { StaticSite } from "./static-site";
