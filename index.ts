// config -> validated settings -> components -> outputs. The entry is index.js.
import { loadSettings } from "./config/load";
import { deploy } from "./targets";

export = deploy(loadSettings());
