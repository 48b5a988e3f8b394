// Package random is the stand-in for the pulumi-random provider's resources
// (RandomPassword, RandomString, RandomInteger, RandomId, RandomUuid), with the
// terraform-provider-random semantics: every input change replaces.
package random

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/big"

	"golang.org/x/crypto/bcrypt"

	"dsenv/standin-providers/internal/standin"
)

var Resources = map[string]standin.Resource{
	"random:index/randomPassword:RandomPassword": &str{password: true},
	"random:index/randomString:RandomString":     &str{},
	"random:index/randomInteger:RandomInteger":   integer{},
	"random:index/randomId:RandomId":             id{},
	"random:index/randomUuid:RandomUuid":         uuid{},
}

// base: all inputs force replacement, nothing to read back or delete.
type base struct{}

func (base) Check(string, map[string]any, map[string]any) (map[string]any, []string, error) {
	return nil, nil, nil
}
func (base) Updatable() []string { return nil }
func (base) Update(context.Context, standin.Config, string, map[string]any, map[string]any) (map[string]any, error) {
	return nil, fmt.Errorf("random resources are replaced, never updated")
}
func (base) Read(_ context.Context, _ standin.Config, _ string, state map[string]any) (map[string]any, error) {
	return state, nil
}
func (base) Delete(context.Context, standin.Config, string, map[string]any) error { return nil }

func randInt(n int) int {
	x, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		panic(err)
	}
	return int(x.Int64())
}

type str struct {
	base
	password bool
}

func (s *str) Known() []string {
	return []string{"length", "keepers", "lower", "upper", "numeric", "number", "special",
		"minLower", "minUpper", "minNumeric", "minSpecial", "overrideSpecial"}
}

func (s *str) Check(_ string, _, news map[string]any) (map[string]any, []string, error) {
	var problems []string
	if standin.Num(news, "length", 0) < 1 {
		problems = append(problems, "length must be at least 1")
	}
	// Defaults that the real provider reports back in its state.
	return map[string]any{"lower": true, "upper": true, "numeric": true, "number": true, "special": true,
		"minLower": 0.0, "minUpper": 0.0, "minNumeric": 0.0, "minSpecial": 0.0}, problems, nil
}

const (
	lowerChars   = "abcdefghijklmnopqrstuvwxyz"
	upperChars   = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	numChars     = "0123456789"
	specialChars = "!@#$%&*()-_=+[]{}<>:?"
)

func (s *str) Create(_ context.Context, _ standin.Config, _ string, in map[string]any) (string, map[string]any, error) {
	length := int(standin.Num(in, "length", 0))
	special := specialChars
	if o, ok := in["overrideSpecial"].(string); ok {
		special = o
	}
	numeric := standin.Bool(in, "numeric", true) && standin.Bool(in, "number", true)
	sets := []struct {
		on    bool
		chars string
		min   int
	}{
		{standin.Bool(in, "lower", true), lowerChars, int(standin.Num(in, "minLower", 0))},
		{standin.Bool(in, "upper", true), upperChars, int(standin.Num(in, "minUpper", 0))},
		{numeric, numChars, int(standin.Num(in, "minNumeric", 0))},
		{standin.Bool(in, "special", true), special, int(standin.Num(in, "minSpecial", 0))},
	}
	var out []byte
	pool := ""
	for _, set := range sets {
		if !set.on || set.chars == "" {
			continue
		}
		pool += set.chars
		for i := 0; i < set.min; i++ {
			out = append(out, set.chars[randInt(len(set.chars))])
		}
	}
	if pool == "" {
		return "", nil, fmt.Errorf("no characters to choose from: every character class is disabled")
	}
	for len(out) < length {
		out = append(out, pool[randInt(len(pool))])
	}
	for i := len(out) - 1; i > 0; i-- { // shuffle the guaranteed characters in
		j := randInt(i + 1)
		out[i], out[j] = out[j], out[i]
	}
	result := string(out)
	outs := map[string]any{"result": result}
	id := result
	if s.password {
		hash, err := bcrypt.GenerateFromPassword(out, bcrypt.DefaultCost)
		if err != nil {
			return "", nil, err
		}
		outs["bcryptHash"] = string(hash)
		id = "none"
	}
	return id, outs, nil
}

type integer struct{ base }

func (integer) Known() []string { return []string{"min", "max", "seed", "keepers"} }
func (integer) Create(_ context.Context, _ standin.Config, _ string, in map[string]any) (string, map[string]any, error) {
	lo, hi := int(standin.Num(in, "min", 0)), int(standin.Num(in, "max", 0))
	if hi < lo {
		return "", nil, fmt.Errorf("minimum value needs to be smaller than or equal to maximum value")
	}
	v := lo + randInt(hi-lo+1)
	return fmt.Sprint(v), map[string]any{"result": float64(v)}, nil
}

type id struct{ base }

func (id) Known() []string { return []string{"byteLength", "prefix", "keepers"} }
func (id) Create(_ context.Context, _ standin.Config, _ string, in map[string]any) (string, map[string]any, error) {
	n := int(standin.Num(in, "byteLength", 0))
	if n < 1 {
		return "", nil, fmt.Errorf("byteLength must be at least 1")
	}
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", nil, err
	}
	prefix := standin.Str(in, "prefix", "")
	b64url := base64.RawURLEncoding.EncodeToString(b)
	return b64url, map[string]any{
		"b64Url": prefix + b64url,
		"b64Std": prefix + base64.StdEncoding.EncodeToString(b),
		"hex":    prefix + hex.EncodeToString(b),
		"dec":    prefix + new(big.Int).SetBytes(b).String(),
	}, nil
}

type uuid struct{ base }

func (uuid) Known() []string { return []string{"keepers"} }
func (uuid) Create(context.Context, standin.Config, string, map[string]any) (string, map[string]any, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", nil, err
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	u := fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
	return u, map[string]any{"result": u}, nil
}
