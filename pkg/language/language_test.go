package language

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"
)

func readSet(t testing.TB) [][2]string {
	f, err := os.Open("testdata/prompts.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows [][2]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		lang, prompt, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("bad line %q", line)
		}
		rows = append(rows, [2]string{lang, prompt})
	}
	return rows
}

// TestIdentify is the accuracy bar: 95% of our short prompts (in more than
// 30 languages, English headlines full of names among them) get their
// language.
func TestIdentify(t *testing.T) {
	rows := readSet(t)
	langs := map[string]bool{}
	hits := 0
	for _, r := range rows {
		langs[r[0]] = true
		g := Identify(r[1])
		if g.Code == r[0] {
			hits++
			continue
		}
		t.Logf("miss: %q is %s, got %s (%.2f, sure %v)", r[1], r[0], g.Code, g.Confidence, g.Sure)
	}
	share := float64(hits) / float64(len(rows))
	t.Logf("%d of %d prompts in %d languages: %.1f%%", hits, len(rows), len(langs), 100*share)
	if len(langs) < 20 || share < 0.95 {
		t.Errorf("%.1f%% of %d prompts in %d languages; want ≥ 95%% in ≥ 20", 100*share, len(rows), len(langs))
	}
}

func TestIdentifyEdges(t *testing.T) {
	for _, c := range []struct {
		in   string
		code string
		sure bool
	}{
		{"", "und", false},
		{"123 !!! 🙂", "und", false},
		{"кот", "ru", false}, // one short word: the script's guess
		{"ok", "en", false},  // likewise
		{"Warum ist Montag eigentlich so lang?", "de", true},
		{"чому понеділок такий довгий", "uk", true}, // not Russian
		{"¿por qué mi perro ladra a las tres de la mañana?", "es", true},
	} {
		g := Identify(c.in)
		if g.Code != c.code || g.Sure != c.sure {
			t.Errorf("Identify(%q) = %+v, want %s sure=%v", c.in, g, c.code, c.sure)
		}
		if g.Confidence < 0 || g.Confidence > 1 {
			t.Errorf("Identify(%q) confidence %v outside 0..1", c.in, g.Confidence)
		}
	}
}

func TestNames(t *testing.T) {
	for code, want := range map[string]string{"de": "German", "uk": "Ukrainian", "es": "Spanish", "ru": "Russian", "nb": "Norwegian (Bokmål)", "xx": "", "und": ""} {
		if got := Name(code); got != want {
			t.Errorf("Name(%q) = %q, want %q", code, got, want)
		}
	}
	for _, l := range known {
		if Name(strings.ToLower(l.IsoCode639_1().String())) == "" {
			t.Errorf("%s has no name", l)
		}
	}
	if got := Told(Guess{Code: "de", Sure: true}); got != "German" {
		t.Errorf("Told sure de = %q", got)
	}
	if got := Told(Guess{Code: "en"}); got != "the topic's language" {
		t.Errorf("Told unsure = %q", got)
	}
}

// BenchmarkColdStart is the cold-start cost of the models: a fresh process
// (this test binary, as TestMain's helper) loads them, and reports how
// long that took and the heap they hold.
func BenchmarkColdStart(b *testing.B) { helperBench(b, "warm") }

// BenchmarkConfirm is the second stage's first use in a fresh process: an
// English headline the first stage reads as Dutch loads the high-accuracy
// models of its contenders; warm-ms is that call, heap-MB the heap after.
func BenchmarkConfirm(b *testing.B) { helperBench(b, "confirm") }

func helperBench(b *testing.B, mode string) {
	var ms, heap float64
	for b.Loop() {
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), "LANGUAGE_WARM_HELPER="+mode)
		out, err := cmd.Output()
		if err != nil {
			b.Fatalf("helper: %v\n%s", err, out)
		}
		var m, h float64
		for _, line := range strings.Split(string(out), "\n") {
			if _, err := fmt.Sscanf(strings.TrimSpace(line), "warm %f ms heap %f MB", &m, &h); err == nil {
				ms, heap = ms+m, heap+h
			}
		}
	}
	b.ReportMetric(ms/float64(b.N), "warm-ms")
	b.ReportMetric(heap/float64(b.N), "heap-MB")
}

// TestMain is also BenchmarkColdStart's fresh process: with
// LANGUAGE_WARM_HELPER=warm|confirm it loads the models, says what that cost, and
// runs no test.
func TestMain(m *testing.M) {
	if mode := os.Getenv("LANGUAGE_WARM_HELPER"); mode != "" {
		warmHelper(mode)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func warmHelper(mode string) {
	start := time.Now()
	Warm()
	if mode == "confirm" {
		start = time.Now()
		Identify("Cybercab steering wheel confuses Tesla's robot vibe")
	}
	took := time.Since(start)
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	fmt.Printf("warm %.1f ms heap %.1f MB\n", float64(took.Microseconds())/1000, float64(m.HeapAlloc)/(1<<20))
}

func BenchmarkIdentify(b *testing.B) {
	rows := readSet(b)
	Warm()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		Identify(rows[i%len(rows)][1])
		i++
	}
}
