// Command linguaprune copies the lingua-go module with the language models
// of package language's languages only, and without the five-gram models:
// lingua embeds all 75 languages' 1- to 5-gram models (about 150 MB
// zipped), predict needs 45 languages, and its second stage is as accurate
// on our test prompts with 1- to 4-grams (lingua skips a model it does not
// find), in half the time and memory. The Makefile builds, runs and tests
// predict against the copy (`-modfile`, a replace), so what is tested is
// what ships and the repository carries none of it. A build tool, not
// deployed.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"punchline/pkg/language"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "linguaprune:", err)
		os.Exit(1)
	}
}

const modelsDir = "language-models"

func run(args []string, stdout io.Writer) error {
	fl := flag.NewFlagSet("linguaprune", flag.ContinueOnError)
	from := fl.String("from", "", "the lingua-go module directory (go list -m -f '{{.Dir}}' github.com/pemistahl/lingua-go)")
	out := fl.String("out", "", "where the pruned copy goes (replaced whole)")
	drop := fl.String("drop", "fivegrams", "comma-separated n-gram models to leave out (unigrams … fivegrams)")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if *from == "" || *out == "" {
		return errors.New("want -from and -out")
	}
	keep := language.Codes()
	if _, err := os.Stat(filepath.Join(*from, modelsDir)); err != nil {
		return fmt.Errorf("%s is not lingua-go: %w", *from, err)
	}
	if err := os.RemoveAll(*out); err != nil {
		return err
	}
	var kept, dropped int
	var bytes int64
	droppedGrams := strings.Split(*drop, ",")
	err := filepath.WalkDir(*from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(*from, path)
		parts := strings.Split(filepath.ToSlash(rel), "/")
		if len(parts) >= 2 && parts[0] == modelsDir && d.IsDir() && len(parts) == 2 {
			if !slices.Contains(keep, parts[1]) {
				dropped++
				return filepath.SkipDir
			}
			kept++
		}
		dst := filepath.Join(*out, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		if parts[0] == modelsDir && slices.Contains(droppedGrams, strings.SplitN(d.Name(), ".", 2)[0]) {
			return nil
		}
		n, err := copyFile(path, dst)
		bytes += n
		return err
	})
	if err != nil {
		return err
	}
	if kept != len(keep) {
		return fmt.Errorf("kept the models of %d languages, want %d (%s): lingua-go lacks some", kept, len(keep), strings.Join(keep, " "))
	}
	fmt.Fprintf(stdout, "lingua-go for %d languages (%d left out), without %s: %.1f MB in %s\n", kept, dropped, *drop, float64(bytes)/1e6, *out)
	return nil
}

// copyFile copies a file of the (read-only) module cache, writable.
func copyFile(src, dst string) (int64, error) {
	in, err := os.Open(src)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return n, err
}
