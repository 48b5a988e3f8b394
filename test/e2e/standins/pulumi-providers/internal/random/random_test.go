package random

import (
	"context"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func TestPasswordHonoursClassesAndMinimums(t *testing.T) {
	in := map[string]any{"length": 24.0, "special": false, "minUpper": 3.0, "minNumeric": 4.0}
	for i := 0; i < 10; i++ {
		id, outs, err := (&str{password: true}).Create(context.Background(), nil, "p", in)
		if err != nil {
			t.Fatal(err)
		}
		res := outs["result"].(string)
		if id != "none" || len(res) != 24 {
			t.Fatalf("id %q, result %q", id, res)
		}
		var upper, num int
		for _, c := range res {
			switch {
			case strings.ContainsRune(upperChars, c):
				upper++
			case strings.ContainsRune(numChars, c):
				num++
			case strings.ContainsRune(lowerChars, c):
			default:
				t.Fatalf("unexpected character %q in %q", c, res)
			}
		}
		if upper < 3 || num < 4 {
			t.Fatalf("minimums not met in %q", res)
		}
		if bcrypt.CompareHashAndPassword([]byte(outs["bcryptHash"].(string)), []byte(res)) != nil {
			t.Fatal("bcryptHash does not match result")
		}
	}
}

func TestOverrideSpecial(t *testing.T) {
	in := map[string]any{"length": 30.0, "lower": false, "upper": false, "numeric": false, "overrideSpecial": "_-"}
	_, outs, err := (&str{}).Create(context.Background(), nil, "s", in)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Trim(outs["result"].(string), "_-") != "" {
		t.Fatalf("result %q uses other characters", outs["result"])
	}
}

func TestIntegerRange(t *testing.T) {
	for i := 0; i < 100; i++ {
		_, outs, err := integer{}.Create(context.Background(), nil, "i", map[string]any{"min": 5.0, "max": 7.0})
		if err != nil {
			t.Fatal(err)
		}
		if v := outs["result"].(float64); v < 5 || v > 7 {
			t.Fatalf("%v out of range", v)
		}
	}
}
