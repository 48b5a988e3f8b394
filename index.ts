// config -> validated settings -> components -> outputs. The entry is index.js.
import { loadSettings } from "./settings/load";
import { deploy } from "./targets";

export = deploy(loadSettings());
