// config -> validated settings -> components -> outputs.
import { loadSettings } from "./config/load";
import { deploy } from "./targets";

export = deploy(loadSettings());
