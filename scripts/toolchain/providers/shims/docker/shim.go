// Package shim exposes the upstream Terraform docker provider, which lives in
// the upstream module's internal/ tree. Go lets only packages under the
// upstream module's declared path import it, hence this module's path.
package shim

import (
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"
	"github.com/terraform-providers/terraform-provider-docker/internal/provider"
)

// NewProvider returns the upstream provider (Terraform plugin SDK v2).
func NewProvider(version string) *schema.Provider {
	return provider.New(version)()
}
