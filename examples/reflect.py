#!/usr/bin/python3
"""grpcurl-style calls through server reflection (grpcurl is not in Debian 12).

    reflect.py HOST:PORT list                       # the services
    reflect.py HOST:PORT describe SYMBOL            # a service's methods, or a message's fields
    reflect.py HOST:PORT call SERVICE/METHOD < request.json   # a unary call, JSON in and out

Needs only the reflection stubs (protoc --python_out --grpc_python_out on
grpc/reflection/v1alpha/reflection.proto; tests/e2e/protos/e2e_grpc/ has a
copy): every panelpaper type is fetched from the server itself.
"""
import json
import sys

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory

from e2e_grpc import reflection_pb2, reflection_pb2_grpc


class Reflection:
    def __init__(self, channel):
        self.stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        self.pool = descriptor_pool.DescriptorPool()
        self.added = set()

    def ask(self, **request):
        [response] = self.stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(**request)]))
        if response.HasField("error_response"):
            sys.exit("reflection: " + response.error_response.error_message)
        return response

    def services(self):
        return [s.name for s in self.ask(list_services="").list_services_response.service]

    def load(self, symbol):
        """Adds the file defining `symbol` (and its imports) to the pool."""
        files = [descriptor_pb2.FileDescriptorProto.FromString(b) for b in
                 self.ask(file_containing_symbol=symbol).file_descriptor_response.file_descriptor_proto]
        by_name = {f.name: f for f in files}

        def add(f):
            if f.name in self.added:
                return
            for dep in f.dependency:
                add(by_name[dep] if dep in by_name else descriptor_pb2.FileDescriptorProto.FromString(
                    self.ask(file_by_filename=dep).file_descriptor_response.file_descriptor_proto[0]))
            self.pool.Add(f)
            self.added.add(f.name)
        for f in files:
            add(f)


def main():
    address, command, *rest = sys.argv[1:]
    channel = grpc.insecure_channel(address)
    r = Reflection(channel)
    if command == "list":
        print("\n".join(r.services()))
    elif command == "describe":
        symbol = rest[0]
        r.load(symbol)
        try:
            service = r.pool.FindServiceByName(symbol)
            proto = descriptor_pb2.ServiceDescriptorProto()
            service.CopyToProto(proto)
            for m in proto.method:
                print("rpc %s(%s%s) returns (%s%s);" % (
                    m.name, "stream " if m.client_streaming else "", m.input_type.lstrip("."),
                    "stream " if m.server_streaming else "", m.output_type.lstrip(".")))
        except KeyError:
            message = r.pool.FindMessageTypeByName(symbol)
            for f in message.fields:
                kind = f.message_type.full_name if f.message_type else (
                    f.enum_type.full_name if f.enum_type else descriptor_pb2.FieldDescriptorProto.Type.Name(f.type)[5:].lower())
                print("%s%s %s = %d;" % ("repeated " if f.label == f.LABEL_REPEATED else "", kind, f.name, f.number))
    elif command == "call":
        service_name, method_name = rest[0].split("/")
        r.load(service_name)
        method = r.pool.FindServiceByName(service_name).FindMethodByName(method_name)
        factory = message_factory.MessageFactory(r.pool)
        request_class = factory.GetPrototype(method.input_type)
        response_class = factory.GetPrototype(method.output_type)
        request = json_format.Parse(sys.stdin.read(), request_class())
        call = channel.unary_unary("/%s/%s" % (service_name, method_name),
                                   request_serializer=request_class.SerializeToString,
                                   response_deserializer=response_class.FromString)
        try:
            response = call(request, timeout=60)
        except grpc.RpcError as e:
            sys.exit("%s: %s" % (e.code().name, e.details()))
        print(json_format.MessageToJson(response))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
