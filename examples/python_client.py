# Renders a RenderPaperRequest (JSON) on a panelpaperd; prints the ErrorInfo reason and BadRequest violations on failure.
# Stubs: protoc -I proto --python_out=. --grpc_python_out=. --plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin \
#          panelpaper/v1/{paper,pack,paper_service}.proto google/rpc/{status,error_details}.proto
import sys, grpc
from google.protobuf import json_format
from google.rpc import error_details_pb2, status_pb2
from panelpaper.v1 import paper_pb2, paper_service_pb2_grpc as rpc

server, request_file, out_file = sys.argv[1:4]
request = json_format.Parse(open(request_file).read(), paper_pb2.RenderPaperRequest())
try:
    response = rpc.PaperServiceStub(grpc.insecure_channel(server)).RenderPaper(request, timeout=60)
except grpc.RpcError as e:
    print(e.code().name + ": " + e.details(), file=sys.stderr)
    for detail in status_pb2.Status.FromString(dict(e.trailing_metadata()).get("grpc-status-details-bin", b"")).details:
        info, bad = error_details_pb2.ErrorInfo(), error_details_pb2.BadRequest()
        if detail.Unpack(info):
            print("  reason: %s (%s)" % (info.reason, info.domain), file=sys.stderr)
        elif detail.Unpack(bad):
            for v in bad.field_violations:
                print("  " + v.field + ": " + v.description, file=sys.stderr)
    sys.exit(1)
open(out_file, "wb").write(response.pdf)
print("%s: %d pages" % (out_file, response.page_count))
