package pipeline

import (
	"os"
	"testing"

	"punchline/pkg/language"
)

// TestMain loads the language models first, as predict does at cold
// start: a request never waits for them (under -race they take seconds).
func TestMain(m *testing.M) {
	language.Warm()
	os.Exit(m.Run())
}
