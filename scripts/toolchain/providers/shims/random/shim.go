// Package shim exposes the upstream Terraform random provider, which lives in
// the upstream module's internal/ tree (see ../docker/shim.go for why the path).
package shim

import (
	"github.com/hashicorp/terraform-plugin-framework/provider"
	upstream "github.com/terraform-providers/terraform-provider-random/internal/provider"
)

// NewProvider returns the upstream provider (Terraform plugin framework).
func NewProvider() provider.Provider {
	return upstream.New()
}
