// config -> validated settings -> components -> outputs.
import { loadSettings } from "./config/load";
import { deploy } from "./program";

const outputs = deploy(loadSettings());

export const jupyterUrl = outputs.jupyterUrl;
export const jupyterLoginUrl = outputs.jupyterLoginUrl;
export const jupyterToken = outputs.jupyterToken;
export const jupyterContainer = outputs.jupyterContainer;
export const jupyterHostPort = outputs.jupyterHostPort;
export const jupyterImage = outputs.jupyterImage;
export const mysqlConnectionString = outputs.mysqlConnectionString;
export const mysqlHostConnectionString = outputs.mysqlHostConnectionString;
export const mysqlContainer = outputs.mysqlContainer;
export const mysqlHostPort = outputs.mysqlHostPort;
export const mysqlImage = outputs.mysqlImage;
export const mysqlDataVolume = outputs.mysqlDataVolume;
export const network = outputs.network;
