// The engine a stack's containers run on, as every reader sees it: a leaf,
// so the readers that ask the engine need not import the settings they make.

export interface EngineSettings {
    /** Docker host URL; undefined means the provider's default (the local socket). */
    host?: string;
    /** Options for the ssh client of an ssh:// host (a key file, known-hosts settings). */
    sshOpts?: string[];
    /** True when the engine runs on this machine, so host paths can be checked here. */
    isLocal: boolean;
    /** The engine runs a healthcheck's start interval (config/engine-api.ts); false where not asked. */
    healthStartInterval?: boolean;
}
