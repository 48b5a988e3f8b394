import * as pulumi from "@pulumi/pulumi";
import * as runtimeSettings from "@pulumi/pulumi/runtime/settings";
import { runInPulumiStack } from "@pulumi/pulumi/runtime/stack";

export const PROJECT = "dsenv";
export const STACK = "unit";

/** One resource the program declared, as the engine would receive it. */
export interface Declared {
    type: string;
    name: string;
    /** The inputs as given (Outputs and secrets intact). */
    props: pulumi.Inputs;
    opts: pulumi.CustomResourceOptions & pulumi.ComponentResourceOptions;
    resource: pulumi.Resource;
}

export interface Run<T> {
    declared: Declared[];
    /** Inputs as the mocked engine received them, by resource name. */
    inputs: Map<string, any>;
    result: T;
    /** What the program threw, if it did. */
    error?: Error;
}

/** The mocked engine's answer for a resource: its inputs, plus what real providers compute. */
function mockState(type: string, name: string, inputs: any): any {
    switch (type) {
        case "random:index/randomPassword:RandomPassword":
            return { ...inputs, result: `secret-${name}-${"x".repeat(8)}` };
        case "random:index/randomBytes:RandomBytes":
            return {
                ...inputs,
                hex: "ab".repeat(inputs.length),
                base64: Buffer.from("\xab".repeat(inputs.length), "latin1").toString("base64"),
            };
        case "docker:index/remoteImage:RemoteImage":
            return {
                ...inputs,
                imageId: `sha256:${Buffer.from(String(inputs.name)).toString("hex").padEnd(64, "0").slice(0, 64)}`,
                repoDigest: "",
            };
        case "docker:index/registryImage:RegistryImage":
            return { ...inputs, sha256Digest: `sha256:${"d".repeat(64)}` };
        default:
            return inputs;
    }
}

/**
 * Runs `program` under Pulumi mocks with the given stack config (keys without
 * the project prefix) and records every resource with its raw inputs and options.
 * Any provider function call fails the run: nothing unmocked passes silently.
 */
export async function runWithMocks<T>(
    config: Record<string, string>,
    program: () => T | Promise<T>,
    secretKeys: string[] = [],
    stack = STACK,
): Promise<Run<T>> {
    const inputs = new Map<string, any>();
    await pulumi.runtime.setMocks(
        {
            newResource: args => {
                inputs.set(args.name, args.inputs);
                return { id: `${args.name}-id`, state: mockState(args.type, args.name, args.inputs) };
            },
            call: args => {
                throw new Error(`unexpected provider call ${args.token}`);
            },
        },
        PROJECT,
        stack,
        false,
    );
    pulumi.runtime.setAllConfig(
        Object.fromEntries(Object.entries(config).map(([k, v]) => [`${PROJECT}:${k}`, v])),
        secretKeys.map(k => `${PROJECT}:${k}`),
    );

    const declared: Declared[] = [];
    let result: T | undefined;
    let error: Error | undefined;
    await runInPulumiStack(async () => {
        pulumi.runtime.registerStackTransformation(args => {
            declared.push({
                type: args.type,
                name: args.name,
                props: args.props,
                opts: args.opts as Declared["opts"],
                resource: args.resource,
            });
            return undefined;
        });
        try {
            // A program may declare after asking providers first (the azure target does).
            result = await program();
            // Wait for every output the program returns, so every resource is registered.
            await settle(result);
        } catch (e) {
            error = e as Error;
        }
        return {};
    });
    // Let the stack's own last registrations finish before the next run replaces the mocks.
    // waitForRPCs is what pulumi.runtime.disconnect awaits; it is not in the typings.
    await (runtimeSettings as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
    return { declared, inputs, result: result as T, error };
}

async function settle(value: unknown): Promise<void> {
    if (pulumi.Output.isInstance(value)) {
        await (value as any).promise();
    } else if (Array.isArray(value)) {
        await Promise.all(value.map(settle));
    } else if (value && typeof value === "object" && !pulumi.Resource.isInstance(value)) {
        await Promise.all(Object.values(value).map(settle));
    }
}

/** The message of a ConfigError with these problems, as a user sees it. */
export function configProblem(...lines: string[]): string {
    return `invalid stack configuration:\n${lines.map(l => `  - ${l}`).join("\n")}`;
}

/** The value inside an Output (or the value itself). */
export async function valueOf<T>(v: pulumi.Input<T> | undefined): Promise<T | undefined> {
    if (pulumi.Output.isInstance(v)) return (v as any).promise();
    return v as T | undefined;
}

export async function isSecret(v: unknown): Promise<boolean> {
    return pulumi.Output.isInstance(v) ? (v as any).isSecret : false;
}

/** Every string leaf of some inputs, with whether any Output on its path is secret. */
export async function leaves(value: unknown, path = "", secret = false): Promise<{ path: string; value: string; secret: boolean }[]> {
    if (pulumi.Output.isInstance(value)) {
        const inner = await (value as any).promise();
        return leaves(inner, path, secret || (await (value as any).isSecret));
    }
    if (typeof value === "string") return [{ path, value, secret }];
    if (Array.isArray(value)) return (await Promise.all(value.map((v, i) => leaves(v, `${path}[${i}]`, secret)))).flat();
    if (value && typeof value === "object" && !pulumi.Resource.isInstance(value)) {
        return (await Promise.all(Object.entries(value).map(([k, v]) => leaves(v, path ? `${path}.${k}` : k, secret)))).flat();
    }
    return [];
}

export function byType(run: Run<unknown>, type: string): Declared[] {
    return run.declared.filter(d => d.type === type);
}

export function one(run: Run<unknown>, type: string, name: string): Declared {
    const found = run.declared.find(d => d.type === type && d.name === name);
    if (!found) throw new Error(`no ${type} named ${name}; declared: ${run.declared.map(d => `${d.type}:${d.name}`).join(", ")}`);
    return found;
}

/** The Pulumi name of a resource's parent or provider. */
export function nameOf(r: pulumi.Resource | undefined): string | undefined {
    return r ? (r as any).__name : undefined;
}
