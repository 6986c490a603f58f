// Renders a RenderPaperRequest (JSON) on a panelpaperd; prints the ErrorInfo reason and BadRequest violations on failure.
#include <fstream>
#include <iostream>
#include <sstream>

#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/grpcpp.h"
#include "panelpaper/v1/paper_service.grpc.pb.h"

int main(int argc, char** argv) {
  if (argc != 4) return std::cerr << "usage: cpp_client HOST:PORT REQUEST.json OUT.pdf\n", 2;
  std::stringstream json;
  json << std::ifstream(argv[2]).rdbuf();
  panelpaper::v1::RenderPaperRequest request;
  if (!google::protobuf::util::JsonStringToMessage(json.str(), &request).ok()) return 2;
  auto stub = panelpaper::v1::PaperService::NewStub(
      grpc::CreateChannel(argv[1], grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  panelpaper::v1::RenderPaperResponse response;
  const grpc::Status status = stub->RenderPaper(&context, request, &response);
  if (!status.ok()) {
    std::cerr << status.error_code() << ": " << status.error_message() << "\n";
    google::rpc::Status details;
    details.ParseFromString(status.error_details());
    for (const auto& any : details.details()) {
      google::rpc::ErrorInfo info;
      google::rpc::BadRequest bad;
      if (any.UnpackTo(&info)) std::cerr << "  reason: " << info.reason() << " (" << info.domain() << ")\n";
      if (!any.UnpackTo(&bad)) continue;
      for (const auto& v : bad.field_violations()) std::cerr << "  " << v.field() << ": " << v.description() << "\n";
    }
    return 1;
  }
  std::ofstream(argv[3], std::ios::binary) << response.pdf();
  std::cout << argv[3] << ": " << response.page_count() << " pages\n";
}
