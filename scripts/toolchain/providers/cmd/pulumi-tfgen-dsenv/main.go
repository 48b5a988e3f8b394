// pulumi-tfgen-dsenv writes the Pulumi schema of one of the bridged providers:
//
//	pulumi-tfgen-dsenv docker|random VERSION UPSTREAM_DIR schema --out DIR
//
// It writes DIR/schema.json (with the version, which tfgen itself leaves out)
// and DIR/bridge-metadata.json, the two files the resource plugin embeds.
// UPSTREAM_DIR is the upstream module's source, where the docs are read.
// One binary for both providers: tfgen links most of Pulumi's codegen, and
// linking it once saves minutes on a small machine.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"dsenv/providers/docker"
	"dsenv/providers/random"
	pftfgen "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfgen"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfgen"
)

func main() {
	if len(os.Args) < 4 {
		fmt.Fprintln(os.Stderr, "usage: pulumi-tfgen-dsenv docker|random VERSION UPSTREAM_DIR schema --out DIR")
		os.Exit(2)
	}
	pkg, version, upstreamDir := os.Args[1], os.Args[2], os.Args[3]
	// The rest are tfgen's own arguments.
	os.Args = append([]string{os.Args[0]}, os.Args[4:]...)
	switch pkg {
	case "docker":
		tfgen.Main(pkg, version, docker.Provider(version, nil, upstreamDir))
	case "random":
		pftfgen.Main(pkg, random.Provider(version, nil, upstreamDir))
	default:
		fmt.Fprintf(os.Stderr, "pulumi-tfgen-dsenv: unknown provider %q (docker, random)\n", pkg)
		os.Exit(2)
	}
	if err := stampVersion(outDir(), version); err != nil {
		fmt.Fprintln(os.Stderr, "pulumi-tfgen-dsenv:", err)
		os.Exit(1)
	}
}

// outDir is the value of tfgen's --out flag (default: the working directory).
func outDir() string {
	for i, a := range os.Args {
		if a == "--out" && i+1 < len(os.Args) {
			return os.Args[i+1]
		}
		if len(a) > 6 && a[:6] == "--out=" {
			return a[6:]
		}
	}
	return "."
}

// stampVersion puts the version into schema.json: the engine and
// `pulumi package get-schema` read the plugin's version from there.
func stampVersion(dir, version string) error {
	path := filepath.Join(dir, "schema.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var spec map[string]json.RawMessage
	if err := json.Unmarshal(raw, &spec); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	spec["version"], _ = json.Marshal(version)
	out, err := json.MarshalIndent(spec, "", "    ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, out, 0o644)
}
