package main

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"punchline/pkg/store/mototest"
)

// A picture template that fits every statement, and a broken one.
func templateFolder(t *testing.T, id string) map[string][]byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 600, 400))
	for y := 0; y < 400; y++ {
		for x := 0; x < 600; x++ {
			img.Set(x, y, color.RGBA{uint8(x / 3), 90, uint8(y / 2), 255})
		}
	}
	var pic bytes.Buffer
	if err := png.Encode(&pic, img); err != nil {
		t.Fatal(err)
	}
	return map[string][]byte{
		id + "/template.yaml": []byte(`id: ` + id + `
kind: image
asset: base.png
boxes:
  - {x: 0, y: 0, w: 1, h: 0.3, role: brand, style: outline, text: "Team pick"}
  - {x: 0, y: 0.7, w: 1, h: 0.3, role: bottom, style: outline}
about: {en: "A team-made picture template."}
use_when: "any statement"
fits: [statement, reaction, question, comparison, list, dialogue, before-after]
license: {source: "drawn for the test", holder: "punchline authors", license: "CC0-1.0"}
`),
		id + "/base.png":           pic.Bytes(),
		"broken-one/template.yaml": []byte("id: broken-one\nkind: image\nasset: missing.png\n"),
		"broken-one/notes.txt":     []byte("the asset is missing on purpose"),
	}
}

func writeFolder(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// A template folder under TEMPLATES_DIR is used without a rebuild, and a
// broken one is skipped with its reason in the log. The team's template
// replaces the house one of the same id.
func TestRunUsesTemplatesDir(t *testing.T) {
	dir, tdir := t.TempDir(), t.TempDir()
	writeFolder(t, tdir, templateFolder(t, "text-card")) // overrides the house text card
	base, logs := startRun(t, map[string]string{"DATA_DIR": dir, "TEMPLATES_DIR": tdir})
	got := post(t, base+"/api/v1/predict", `{"result_id":31,"prompt":"кот спит на клавиатуре"}`)
	if got["type"] != "image" {
		t.Fatalf("answer %v", got)
	}
	if img, _, err := image.Decode(bytes.NewReader(getJPEG(t, got["url"].(string)))); err != nil || img.Bounds().Dx() != 600 {
		t.Errorf("the meme is not drawn on the team's 600-pixel picture: %v", err)
	}
	results, _ := os.ReadFile(filepath.Join(dir, "results.jsonl"))
	if !strings.Contains(string(results), `"template":"text-card"`) || !strings.Contains(string(results), `"template_source":"dir"`) {
		t.Errorf("record: %s", results)
	}
	if !strings.Contains(logs.String(), `"msg":"template skipped","template":"broken-one","source":"dir","reason":"boxes: want 1..24, got 0`) {
		t.Errorf("the broken template is not logged with its reason:\n%s", logs.String())
	}
}

// Templates under TEMPLATES_PREFIX of the media bucket are read at cold
// start; the record names the bucket as their source.
func TestRunUsesBucketTemplates(t *testing.T) {
	moto := mototest.Start(t)
	bucket, table := moto.Bucket(t), moto.ResultsTable(t)
	for name, data := range templateFolder(t, "text-card") {
		if _, err := moto.S3().PutObject(context.Background(), &s3.PutObjectInput{
			Bucket: aws.String(bucket), Key: aws.String("templates/" + name), Body: bytes.NewReader(data),
		}); err != nil {
			t.Fatal(err)
		}
	}
	env := moto.Env()
	env["MEDIA_BUCKET"], env["RESULTS_TABLE"], env["DATA_DIR"] = bucket, table, t.TempDir()
	base, logs := startRun(t, env)
	got := post(t, base+"/", `{"result_id":32,"prompt":"кот спит на клавиатуре"}`)
	if got["type"] != "image" {
		t.Fatalf("answer %v", got)
	}
	out, err := moto.DynamoDB().GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(table),
		Key:       map[string]types.AttributeValue{"result_id": &types.AttributeValueMemberN{Value: "32"}},
	})
	if err != nil || out.Item == nil {
		t.Fatalf("GetItem: %v", err)
	}
	for k, v := range map[string]string{"template": "text-card", "template_source": "bucket", "strategy": "offline-template"} {
		if s, ok := out.Item[k].(*types.AttributeValueMemberS); !ok || s.Value != v {
			t.Errorf("%s = %#v, want %q", k, out.Item[k], v)
		}
	}
	if !strings.Contains(logs.String(), `"template":"broken-one","source":"bucket"`) {
		t.Errorf("broken bucket template not logged")
	}
	if t.Failed() {
		t.Logf("logs:\n%s", logs.String())
	}
}
