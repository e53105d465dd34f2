package providertest

import (
	"embed"
	"encoding/json"
	"fmt"
	"math"
	"path"
	"sort"
	"strings"
	"unicode/utf8"
)

// The published schemas the stand-in holds bodies to (testdata/SOURCE.md).
//
//go:embed testdata/schemas/*.json testdata/catalogue.json testdata/deprecated.json testdata/video-fetch.json
var published embed.FS

// Schema is one model's published endpoint: the request body schema and
// the 200 answers.
type Schema struct {
	Source   string                    `json:"source"` // the OpenAPI file in aimlapi/api-docs
	Path     string                    `json:"path"`   // e.g. /v1/chat/completions
	Models   []string                  `json:"models"` // the names the schema accepts
	Request  map[string]any            `json:"request"`
	Response map[string]map[string]any `json:"response"` // by content type
}

// Schemas are every published schema kept as testdata, by model name
// (each name the schema accepts).
var Schemas = func() map[string]*Schema {
	out := map[string]*Schema{}
	names, err := published.ReadDir("testdata/schemas")
	if err != nil {
		panic(err)
	}
	for _, n := range names {
		raw, err := published.ReadFile(path.Join("testdata/schemas", n.Name()))
		if err != nil {
			panic(err)
		}
		var s Schema
		if err := json.Unmarshal(raw, &s); err != nil {
			panic("providertest: " + n.Name() + ": " + err.Error())
		}
		for _, m := range s.Models {
			out[m] = &s
		}
	}
	return out
}()

// SchemaModels lists the models with a kept schema whose path ends in
// suffix (e.g. "/chat/completions"), sorted.
func SchemaModels(suffix string) []string {
	seen := map[*Schema]bool{}
	var out []string
	for _, s := range Schemas {
		if strings.HasSuffix(s.Path, suffix) && !seen[s] {
			seen[s] = true
			out = append(out, s.Models[0])
		}
	}
	sort.Strings(out)
	return out
}

// Validate checks a decoded JSON body against schema the way the
// provider's "Body validation error!" does, and more strictly in one
// respect: a property the schema does not name is an error unless the
// schema allows others explicitly (additionalProperties true or a
// schema), so a body that gains an undocumented field fails.
func Validate(schema map[string]any, body any) []string {
	var errs []string
	validate(schema, body, "body", &errs)
	return errs
}

func validate(s map[string]any, v any, at string, errs *[]string) {
	fail := func(format string, args ...any) { *errs = append(*errs, at+": "+fmt.Sprintf(format, args...)) }
	if v == nil {
		if b, _ := s["nullable"].(bool); b || len(s) == 0 {
			return
		}
		if _, typed := s["type"]; typed {
			fail("null is not allowed")
			return
		}
	}
	for _, key := range []string{"anyOf", "oneOf"} {
		alts, ok := s[key].([]any)
		if !ok {
			continue
		}
		matched, best := 0, []string(nil)
		for _, a := range alts {
			sub, _ := a.(map[string]any)
			var e []string
			validate(sub, v, at, &e)
			if len(e) == 0 {
				matched++
			} else if best == nil || len(e) < len(best) {
				best = e
			}
		}
		switch {
		case matched == 0:
			*errs = append(*errs, best...)
			if best == nil {
				fail("matches none of %s", key)
			}
			return
		case key == "oneOf" && matched > 1:
			fail("matches %d alternatives of oneOf", matched)
			return
		}
	}
	if all, ok := s["allOf"].([]any); ok {
		for _, a := range all {
			sub, _ := a.(map[string]any)
			validate(sub, v, at, errs)
		}
	}
	if enum, ok := s["enum"].([]any); ok {
		found := false
		for _, e := range enum {
			if equalJSON(e, v) {
				found = true
				break
			}
		}
		if !found {
			fail("Invalid enum value. Expected %s, received %s", enumText(enum), jsonText(v))
			return
		}
	}
	if c, ok := s["const"]; ok && !equalJSON(c, v) {
		fail("expected %s, received %s", jsonText(c), jsonText(v))
	}
	typ, _ := s["type"].(string)
	switch typ {
	case "":
	case "string":
		str, ok := v.(string)
		if !ok {
			fail("Expected string, received %s", kind(v))
			return
		}
		n := utf8.RuneCountInString(str)
		if m, ok := num(s["maxLength"]); ok && float64(n) > m {
			fail("String must contain at most %v character(s), has %d", m, n)
		}
		if m, ok := num(s["minLength"]); ok && float64(n) < m {
			fail("String must contain at least %v character(s)", m)
		}
	case "number", "integer":
		f, ok := v.(float64)
		if !ok {
			fail("Expected %s, received %s", typ, kind(v))
			return
		}
		if typ == "integer" && f != math.Trunc(f) {
			fail("Expected integer, received float")
		}
		if m, ok := num(s["minimum"]); ok && f < m {
			fail("Number must be greater than or equal to %v, received %v", m, f)
		}
		if m, ok := num(s["maximum"]); ok && f > m {
			fail("Number must be less than or equal to %v, received %v", m, f)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			fail("Expected boolean, received %s", kind(v))
		}
	case "array":
		arr, ok := v.([]any)
		if !ok {
			fail("Expected array, received %s", kind(v))
			return
		}
		if m, ok := num(s["maxItems"]); ok && float64(len(arr)) > m {
			fail("Array must contain at most %v element(s), has %d", m, len(arr))
		}
		if m, ok := num(s["minItems"]); ok && float64(len(arr)) < m {
			fail("Array must contain at least %v element(s)", m)
		}
		if items, ok := s["items"].(map[string]any); ok {
			for i, x := range arr {
				validate(items, x, fmt.Sprintf("%s[%d]", at, i), errs)
			}
		}
	case "object":
		obj, ok := v.(map[string]any)
		if !ok {
			fail("Expected object, received %s", kind(v))
			return
		}
		validateObject(s, obj, at, errs)
	default:
		fail("schema type %q unknown to the stand-in", typ)
	}
	if typ == "" {
		if obj, ok := v.(map[string]any); ok && s["properties"] != nil {
			validateObject(s, obj, at, errs)
		}
	}
}

func validateObject(s map[string]any, obj map[string]any, at string, errs *[]string) {
	props, _ := s["properties"].(map[string]any)
	if req, ok := s["required"].([]any); ok {
		for _, r := range req {
			name, _ := r.(string)
			if _, ok := obj[name]; !ok {
				*errs = append(*errs, fmt.Sprintf("%s.%s: Required", at, name))
			}
		}
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	extra := s["additionalProperties"]
	for _, k := range keys {
		if p, ok := props[k].(map[string]any); ok {
			validate(p, obj[k], at+"."+k, errs)
			continue
		}
		switch x := extra.(type) {
		case bool:
			if x {
				continue
			}
		case map[string]any:
			validate(x, obj[k], at+"."+k, errs)
			continue
		}
		if props == nil && extra == nil {
			continue // a free-form object (no properties named)
		}
		*errs = append(*errs, fmt.Sprintf("%s: Unrecognized key %q", at, k))
	}
}

func num(v any) (float64, bool) {
	f, ok := v.(float64)
	return f, ok
}

func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func enumText(enum []any) string {
	parts := make([]string, 0, len(enum))
	for i, e := range enum {
		if i == 8 {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, fmt.Sprintf("'%v'", e))
	}
	return strings.Join(parts, " | ")
}
