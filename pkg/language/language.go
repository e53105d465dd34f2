// Package language identifies a prompt's language: an ISO 639-1 code with a
// confidence, by lingua-go's statistical models, and the script's guess
// when a short prompt leaves it unsure.
//
// Two stages keep memory and cold start small while English headlines stay
// English: every prompt is read by the low-accuracy models (trigrams) of
// the languages below, loaded once per process (Warm, at cold start).
// Short text full of names ("Elon Musk unveils Cybertruck 2") fools
// trigrams into German or Dutch, so a verdict other than the arena's
// languages (English, Russian) that is not certain is checked by the
// high-accuracy models (1- to 4-grams as shipped) of just the contenders:
// the arena's language of that script and the first stage's top two. Those
// models load on first use, per language (BenchmarkConfirm measures the
// cost), so a process holds only the languages its prompts were close to.
package language

import (
	"fmt"
	"runtime/debug"
	"strings"
	"sync"
	"unicode"

	lingua "github.com/pemistahl/lingua-go"

	"punchline/pkg/meme"
)

// Known are the languages told apart: the arena's (Russian, English), the
// languages of Europe and its neighbours its voters write in, and the big
// Asian ones. A language left out is read as its nearest neighbour, so the
// list is wide; Malay is left out because short Indonesian reads as Malay.
// Each one costs its models' memory (about 0.8 MB each in low-accuracy
// mode: BenchmarkWarm reports the total).
var known = []lingua.Language{
	lingua.English, lingua.Russian, lingua.Ukrainian, lingua.Belarusian, lingua.Kazakh,
	lingua.German, lingua.French, lingua.Spanish, lingua.Portuguese, lingua.Italian, lingua.Catalan,
	lingua.Dutch, lingua.Danish, lingua.Swedish, lingua.Bokmal, lingua.Finnish, lingua.Estonian,
	lingua.Latvian, lingua.Lithuanian, lingua.Polish, lingua.Czech, lingua.Slovak, lingua.Slovene,
	lingua.Croatian, lingua.Serbian, lingua.Bulgarian, lingua.Romanian, lingua.Hungarian,
	lingua.Greek, lingua.Turkish, lingua.Azerbaijani, lingua.Georgian, lingua.Armenian,
	lingua.Hebrew, lingua.Arabic, lingua.Persian, lingua.Urdu, lingua.Hindi, lingua.Bengali,
	lingua.Chinese, lingua.Japanese, lingua.Korean, lingua.Vietnamese, lingua.Thai, lingua.Indonesian,
}

// Guess is a prompt's language.
type Guess struct {
	// Code is ISO 639-1 ("de"); when the models were unsure it is the
	// script's guess (meme.DetectLang: "ru", "en" or "und").
	Code string
	// Confidence is the models' share for Code, 0..1 (0 for a script guess
	// on text with no letters).
	Confidence float64
	// Sure is false when Code is the script's guess: the generator is then
	// told "the topic's language" rather than a name.
	Sure bool
}

// certain is the first stage's confidence past which no second opinion is
// asked: real foreign prompts mostly score 1.00 there, the English
// headlines it misreads 0.78–0.97 (testdata/prompts.tsv), and a second
// opinion loads that language's larger models (about 7 MB each).
const certain = 0.995

// A prompt whose best language has less than minConfidence is unsure
// unless it has at least sureLetters letters (then the models have enough
// to go on); a word or two (fewer than fewLetters) needs tinyConfidence:
// "кот" is Russian, Ukrainian or Bulgarian alike.
const (
	minConfidence  = 0.5
	sureLetters    = 40
	fewLetters     = 8
	tinyConfidence = 0.9
)

var (
	once     sync.Once
	detector lingua.LanguageDetector
	// judges are the second stage's high-accuracy detectors, one per set
	// of contenders (lingua shares the models between them).
	judges sync.Map // string → lingua.LanguageDetector
)

// Warm loads the models (about 40 MB; BenchmarkWarm). Safe to call more
// than once and from several goroutines; Identify calls it.
func Warm() {
	once.Do(func() {
		detector = build()
		// Loading unpacks every model through garbage several times its
		// size; hand that back now rather than carry it as resident memory.
		debug.FreeOSMemory()
	})
}

func build() lingua.LanguageDetector {
	return lingua.NewLanguageDetectorBuilder().FromLanguages(known...).
		WithLowAccuracyMode().WithPreloadedLanguageModels().Build()
}

// Identify is text's language.
func Identify(text string) Guess {
	letters := 0
	for _, r := range text {
		if unicode.IsLetter(r) {
			letters++
		}
	}
	script := Guess{Code: meme.DetectLang(text)}
	if letters == 0 {
		return script
	}
	Warm()
	values := detector.ComputeLanguageConfidenceValues(text)
	if len(values) == 0 {
		return script
	}
	best := values[0]
	if l := best.Language(); l != lingua.English && l != lingua.Russian && best.Value() < certain {
		best = confirm(text, script.Code, values)
	}
	code := strings.ToLower(best.Language().IsoCode639_1().String())
	unsure := best.Value() < minConfidence && letters < sureLetters || letters < fewLetters && best.Value() < tinyConfidence
	if unsure || code == "" {
		script.Confidence = best.Value()
		return script
	}
	return Guess{Code: code, Confidence: best.Value(), Sure: true}
}

// confirm is the second stage: the high-accuracy verdict among the arena's
// language of the text's script (script: meme.DetectLang's guess) and the
// first stage's top two (values, best first). Text in a script neither
// arena language uses keeps the first verdict.
func confirm(text, script string, values []lingua.ConfidenceValue) lingua.ConfidenceValue {
	var arena lingua.Language
	switch script {
	case "en":
		arena = lingua.English
	case "ru":
		arena = lingua.Russian
	default:
		return values[0]
	}
	contenders := []lingua.Language{arena}
	for _, v := range values[:min(2, len(values))] {
		if v.Language() != arena && v.Value() > 0.01 {
			contenders = append(contenders, v.Language())
		}
	}
	if len(contenders) < 2 {
		return values[0]
	}
	key := fmt.Sprint(contenders)
	d, ok := judges.Load(key)
	if !ok {
		d, _ = judges.LoadOrStore(key, lingua.NewLanguageDetectorBuilder().FromLanguages(contenders...).Build())
	}
	verdict := d.(lingua.LanguageDetector).ComputeLanguageConfidenceValues(text)
	if !ok {
		go debug.FreeOSMemory() // a first use loaded models (see Warm)
	}
	if len(verdict) == 0 {
		return values[0]
	}
	return verdict[0]
}

// Codes are the ISO 639-1 codes of the languages told apart, in the order
// of known: the models a build must carry (make build-PredictFunction
// ships lingua-go with only these; pkg/tools/linguaprune).
func Codes() []string {
	out := make([]string, len(known))
	for i, l := range known {
		out[i] = strings.ToLower(l.IsoCode639_1().String())
	}
	return out
}

// Of is text's language code (Identify(text).Code).
func Of(text string) string { return Identify(text).Code }

// names are the English names the generator is told, where lingua's own
// differ from what a reader expects.
var names = map[string]string{"nb": "Norwegian (Bokmål)", "sl": "Slovenian", "zh": "Chinese", "fa": "Persian"}

// Name is the language's English name for code ("German"), or "" for a
// code not known here.
func Name(code string) string {
	if n, ok := names[code]; ok {
		return n
	}
	for _, l := range known {
		if strings.EqualFold(l.IsoCode639_1().String(), code) {
			return l.String()
		}
	}
	return ""
}

// Told is how the generator is told the language of g: its name when the
// models were sure, else "the topic's language".
func Told(g Guess) string {
	if n := Name(g.Code); g.Sure && n != "" {
		return n
	}
	return "the topic's language"
}
