// Package dynamo is the DynamoDB backend: the results table (one item per
// result_id, written with UpdateItem so the generation side and the battle
// side never clobber each other) and the state table (small JSON documents
// such as sync checkpoints and leaderboard snapshots). Both tables are
// defined in template.yaml; the item layout is package item's.
package dynamo

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"punchline/pkg/meme"
	"punchline/pkg/store/item"
)

// API is the DynamoDB calls the stores make (*dynamodb.Client has them).
type API interface {
	UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	BatchGetItem(context.Context, *dynamodb.BatchGetItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	Scan(context.Context, *dynamodb.ScanInput, ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
}

// conditionFailed reports DynamoDB refusing an update's condition: an
// answer ("already claimed", "lease held", "budget spent"), not a failure.
func conditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

// byDayIndex is the results table's index on (created_day, created_at),
// which finds the results created in a period without a scan.
const byDayIndex = "by_day"

// Results reads and writes result items in table.
type Results struct {
	api   API
	table string
}

// NewResults returns the results store for table.
func NewResults(api API, table string) *Results { return &Results{api: api, table: table} }

// PutGeneration sets the generation attributes of rec's item, leaving every
// other attribute as it is.
func (s *Results) PutGeneration(ctx context.Context, rec meme.Record) error {
	attrs := item.Generation(rec)
	if err := item.Finite(attrs); err != nil {
		return fmt.Errorf("result %d: %w", rec.ResultID, err)
	}
	av, err := attributevalue.MarshalMap(attrs)
	if err != nil {
		return fmt.Errorf("marshal result %d: %w", rec.ResultID, err)
	}
	if _, err := s.api.UpdateItem(ctx, SetItem(s.table, key(rec.ResultID), av)); err != nil {
		return fmt.Errorf("update result %d in %s: %w", rec.ResultID, s.table, err)
	}
	return nil
}

// SetItem is an UpdateItem input that SETs attrs (names escaped) on the item
// at key: a partial write that leaves other attributes alone.
func SetItem(table string, key, attrs map[string]types.AttributeValue) *dynamodb.UpdateItemInput {
	names := make([]string, 0, len(attrs))
	for n := range attrs {
		names = append(names, n)
	}
	sort.Strings(names) // stable expressions: easier to read in logs and tests
	in := &dynamodb.UpdateItemInput{
		TableName:                 aws.String(table),
		Key:                       key,
		ExpressionAttributeNames:  make(map[string]string, len(names)),
		ExpressionAttributeValues: make(map[string]types.AttributeValue, len(names)),
	}
	expr := "SET "
	for i, n := range names {
		if i > 0 {
			expr += ", "
		}
		k := "#a" + strconv.Itoa(i)
		v := ":v" + strconv.Itoa(i)
		expr += k + " = " + v
		in.ExpressionAttributeNames[k] = n
		in.ExpressionAttributeValues[v] = attrs[n]
	}
	in.UpdateExpression = aws.String(expr)
	return in
}

func key(id int64) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{item.Key: &types.AttributeValueMemberN{Value: strconv.FormatInt(id, 10)}}
}
