package providertest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
)

func deprecated(model string, b Behavior) bool {
	for _, d := range b.Deprecated {
		if strings.EqualFold(d, model) {
			return true
		}
	}
	for _, d := range publishedDeprecated {
		if strings.EqualFold(d, model) {
			return true
		}
	}
	return false
}

// catalogue answers GET /models: the published list less the models
// deprecated since, filtered by ?id= (ids and aliases, comma-separated,
// case-insensitive), with an ETag and 304 for If-None-Match.
func (s *Server) catalogue(w http.ResponseWriter, r *http.Request) {
	s.Catalogues.Add(1)
	b := s.behavior()
	var want map[string]bool
	if ids := r.URL.Query()["id"]; len(ids) > 0 {
		want = map[string]bool{}
		for _, v := range ids {
			for _, id := range strings.Split(v, ",") {
				want[strings.ToLower(strings.TrimSpace(id))] = true
			}
		}
	}
	data := []any{}
	for _, m := range publishedCatalogue {
		if deprecated(m.ID, b) {
			continue
		}
		if want != nil && !want[strings.ToLower(m.ID)] && !anyIn(m.Aliases, want) {
			continue
		}
		data = append(data, m.raw)
	}
	raw, _ := json.Marshal(map[string]any{"object": "list", "data": data})
	sum := sha256.Sum256(raw)
	etag := `W/"` + hex.EncodeToString(sum[:8]) + `"`
	w.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(raw)
}

func anyIn(names []string, want map[string]bool) bool {
	for _, n := range names {
		if want[strings.ToLower(n)] {
			return true
		}
	}
	return false
}

type listed struct {
	ID      string
	Aliases []string
	raw     map[string]any
}

var publishedCatalogue, publishedDeprecated = func() ([]listed, []string) {
	raw, err := published.ReadFile("testdata/catalogue.json")
	if err != nil {
		panic(err)
	}
	var cat struct {
		Data []map[string]any `json:"data"`
	}
	if err := json.Unmarshal(raw, &cat); err != nil {
		panic(err)
	}
	var out []listed
	for _, m := range cat.Data {
		l := listed{raw: m}
		l.ID, _ = m["id"].(string)
		as, _ := m["aliases"].([]any)
		for _, a := range as {
			if s, ok := a.(string); ok {
				l.Aliases = append(l.Aliases, s)
			}
		}
		out = append(out, l)
	}
	raw, err = published.ReadFile("testdata/deprecated.json")
	if err != nil {
		panic(err)
	}
	var dep []struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(raw, &dep); err != nil {
		panic(err)
	}
	var gone []string
	for _, d := range dep {
		gone = append(gone, d.ID)
	}
	sort.Strings(gone)
	return out, gone
}()

// findModel finds model among the published catalogue's ids and aliases.
func findModel(model string) (listed, bool) {
	for _, m := range publishedCatalogue {
		if strings.EqualFold(m.ID, model) {
			return m, true
		}
		for _, a := range m.Aliases {
			if strings.EqualFold(a, model) {
				return m, true
			}
		}
	}
	return listed{}, false
}

// CatalogueModels lists the published catalogue's model ids of a type
// containing kind ("chat", "image", "tts", "video").
func CatalogueModels(kind string) []string {
	var out []string
	for _, m := range publishedCatalogue {
		if t, _ := m.raw["type"].(string); strings.Contains(t, kind) {
			out = append(out, m.ID)
		}
	}
	return out
}

// DeprecatedModels is the published "no longer supported" list.
func DeprecatedModels() []string { return append([]string(nil), publishedDeprecated...) }
