package meme

import "testing"

// Each prompt shape, in Russian and English.
func TestShapeOf(t *testing.T) {
	tests := []struct {
		prompt, kind string
		parts        int
	}{
		{"кот и понедельник", "statement", 1},
		{"Cats vs dogs", "comparison", 2},
		{"работа или отпуск", "comparison", 2},
		{"Вася: ты где?\nПетя: уже выхожу\nВася: ты это час назад писал", "dialogue", 3},
		{"A: hi\nB: hello", "dialogue", 2},
		{"My weekend: sleep, eat, scroll, regret", "list", 4},
		{"- milk\n- eggs\n- regret", "list", 3},
		{"Почему все совещания длятся час?", "question", 1},
		{"Когда забыл зарядку дома", "reaction", 1},
		{"when the wifi drops during the exam", "reaction", 1},
		{"Раньше я мечтал о славе, теперь — о выходном", "before-after", 2},
		{"Before coffee and after coffee", "before-after", 2},
		{"a very long statement that goes on, and on, and keeps going past any list item size limit for sure", "statement", 1},
	}
	for _, tt := range tests {
		sh := ShapeOf(tt.prompt)
		if sh.Kind != tt.kind || len(sh.Parts) != tt.parts {
			t.Errorf("ShapeOf(%q) = %s %q, want %s with %d parts", tt.prompt, sh.Kind, sh.Parts, tt.kind, tt.parts)
		}
	}
}
