import { inferctlSnippet } from "./request-snippet";

test("the inferctl command carries the model, file, filter and token flag", () => {
  expect(inferctlSnippet({ model: "pp-ocrv4-det", fileName: "my scan.png", filter: { confidence: 0.5, iou: 1, maxResults: 0 }, tokenSet: false })).toBe(
    "pnpm --silent inferctl --address <grpc host:port> infer 'my scan.png' --model pp-ocrv4-det --threshold 0.5",
  );
  expect(inferctlSnippet({ model: "yolo", fileName: "a.jpg", filter: { confidence: 0.25, iou: 0.45, maxResults: 10 }, tokenSet: true })).toBe(
    "pnpm --silent inferctl --address <grpc host:port> --token $INFERD_TOKEN infer a.jpg --model yolo --threshold 0.25 --iou 0.45 --max-results 10",
  );
});
