// The workloads besides MySQL + Jupyter, each a component of its own (for another program);
// workloads/ says how this program reads and declares each.
export { SharedLab } from "./lab";
export { PyTorchWorkspace } from "./pytorch";
export { RStudioServer } from "./rstudio";
export { StatefulApp } from "./stateful-app";
export { StaticSite } from "./static-site";
