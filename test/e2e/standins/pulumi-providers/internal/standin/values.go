package standin

import (
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"math/big"
)

// Helpers to read plain input values (as produced by PropertyMap.Mappable).

func Str(m map[string]any, k, def string) string {
	if v, ok := m[k].(string); ok {
		return v
	}
	return def
}

func Bool(m map[string]any, k string, def bool) bool {
	if v, ok := m[k].(bool); ok {
		return v
	}
	return def
}

func Num(m map[string]any, k string, def float64) float64 {
	if v, ok := m[k].(float64); ok {
		return v
	}
	return def
}

func List(m map[string]any, k string) []any {
	v, _ := m[k].([]any)
	return v
}

func Obj(m map[string]any, k string) map[string]any {
	v, _ := m[k].(map[string]any)
	return v
}

func Strs(m map[string]any, k string) []string {
	var out []string
	for _, e := range List(m, k) {
		out = append(out, fmt.Sprint(e))
	}
	return out
}

// nameSuffix derives the auto-name suffix from the engine's random seed, which
// is the same for a resource's preview and its update, so the name shown in
// the preview is the name created (as the bridged providers do).
func nameSuffix(seed []byte, name string, n int) string {
	if len(seed) == 0 {
		return randomSuffix(n)
	}
	h := sha256.Sum256(append(append([]byte{}, seed...), name...))
	b := make([]byte, n)
	for i := range b {
		b[i] = suffixChars[int(h[i])%len(suffixChars)]
	}
	return string(b)
}

const suffixChars = "abcdefghijklmnopqrstuvwxyz0123456789"

func randomSuffix(n int) string {
	b := make([]byte, n)
	for i := range b {
		x, err := rand.Int(rand.Reader, big.NewInt(int64(len(suffixChars))))
		if err != nil {
			panic(err)
		}
		b[i] = suffixChars[x.Int64()]
	}
	return string(b)
}
