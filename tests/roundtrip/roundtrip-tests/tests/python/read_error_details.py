"""A client that does not use modgen: Python grpcio + grpcio-status calls
/stress.v1.Stress/Type at the address given and prints what the richer error model
tells it, one `key=value` per line, for the Rust test to compare.

Usage: read_error_details.py HOST:PORT
"""

import sys

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status


def main(target: str) -> None:
    with grpc.insecure_channel(target) as channel:
        # An empty `stress.v1.Request` is zero bytes; no generated Python code is needed.
        call = channel.unary_unary(
            "/stress.v1.Stress/Type",
            request_serializer=lambda request: request,
            response_deserializer=lambda response: response,
        )
        try:
            call(b"", timeout=10)
        except grpc.RpcError as error:
            status = rpc_status.from_call(error)
            if status is None:
                sys.exit("the status carried no grpc-status-details-bin")
            print(f"code={error.code().name}")
            print(f"message={status.message}")
            for detail in status.details:
                if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
                    info = error_details_pb2.ErrorInfo()
                    detail.Unpack(info)
                    print(f"reason={info.reason}")
                    print(f"domain={info.domain}")
                    for key in sorted(info.metadata):
                        print(f"metadata.{key}={info.metadata[key]}")
                else:
                    print(f"detail={detail.type_url}")
            return
    sys.exit("the call succeeded; an error was expected")


if __name__ == "__main__":
    main(sys.argv[1])
