from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

CEILING_BODY = {"status": "ok", "items": [1, 2, 3]}


class CeilingView(APIView):
    """
    The fastest answer this stack gives: a DRF view through the same
    middleware, renderer and server, without database, authentication or
    throttling. Every other row of the benchmark is a ratio to it.
    """

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []

    def get(self, request):
        return Response(CEILING_BODY)
