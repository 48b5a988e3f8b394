// Stand-in for the pulumi-random provider plugin (see internal/standin).
package main

import (
	"dsenv/standin-providers/internal/random"
	"dsenv/standin-providers/internal/standin"
)

func main() { standin.Serve("random", random.Resources) }
